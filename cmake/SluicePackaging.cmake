# Installation layout and Debian packages (CPack DEB; docs/ADMIN.md):
#   sluice-engine  the engine alone (component `engine`): what a cluster node or a site install needs
#   sluice         the desktop app and sluice-cli (component `desktop`), with the .desktop entry, icons,
#                  AppStream metainfo and man pages; depends on sluice-engine for runs on this computer
# Library dependencies are computed by dpkg-shlibdeps. `cpack -G DEB` in a build tree writes both .debs;
# packaging/package-test.sh installs them into a clean Debian 12 root.
include(GNUInstallDirs)

set(SLUICE_APP_ID "org.sluice.Sluice" CACHE STRING "Reverse-DNS id of the desktop app (desktop file, AppStream)")
set(SLUICE_PROJECT_URL "https://sluice.invalid" CACHE STRING "Home page named in the AppStream metainfo")
set(SLUICE_SCREENSHOT_URL "${SLUICE_PROJECT_URL}/images" CACHE STRING
    "Where the AppStream screenshots (docs/images/*.png) are published")
set(SLUICE_PACKAGE_MAINTAINER "Sluice maintainers <maintainers@sluice.invalid>" CACHE STRING
    "Maintainer field of the Debian packages")
# The release date in the metainfo: the commit's date when built from git, else the configure date.
string(TIMESTAMP SLUICE_RELEASE_DATE "%Y-%m-%d" UTC)
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${PROJECT_SOURCE_DIR}" log -1 --format=%cs
                  OUTPUT_VARIABLE git_date OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(rc EQUAL 0 AND git_date)
    set(SLUICE_RELEASE_DATE "${git_date}")
  endif()
endif()

set(man_dir "${PROJECT_BINARY_DIR}/man")
# man_page(TARGET NAME DESCRIPTION SEE_ALSO [QT]): <target>.1.gz from the built program's --help.
function(sluice_man_page target description see_also component)
  set(page "${man_dir}/${target}.1")
  set(extra "")
  if(ARGN STREQUAL "QT")
    set(extra -DQT_OFFSCREEN=ON)
  endif()
  add_custom_command(
    OUTPUT "${page}.gz"
    COMMAND ${CMAKE_COMMAND} "-DPROGRAM=$<TARGET_FILE:${target}>" "-DNAME=${description}"
            "-DOUTPUT=${page}" "-DSEE_ALSO=${see_also}" ${extra} -P "${PROJECT_SOURCE_DIR}/cmake/SluiceManPage.cmake"
    # -n: no name or time stamp in the archive, so rebuilt packages are identical.
    COMMAND gzip -9nf "${page}"
    DEPENDS ${target} "${PROJECT_SOURCE_DIR}/cmake/SluiceManPage.cmake"
    COMMENT "Man page ${target}(1) from its --help"
    VERBATIM)
  set_property(GLOBAL APPEND PROPERTY SLUICE_MAN_PAGES "${page}.gz")
  install(FILES "${page}.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT ${component})
endfunction()

# help2man runs the programs at build time; an engine-only build on a cluster may lack it and then
# builds no man page (the site's package of the engine comes from a full build).
find_program(SLUICE_HELP2MAN help2man)
if(NOT SLUICE_HELP2MAN AND NOT SLUICE_ENGINE_ONLY)
  message(FATAL_ERROR "help2man is needed for the man pages: apt-get install help2man")
endif()

if(SLUICE_HELP2MAN)
  sluice_man_page(sluice-engine "parallel FFT filter of h5USID datasets (MPI, resumable)"
                  "sluice-cli(1), sluice(1), mpirun(1)" engine)
endif()

# A site install of the engine (cmake --install of the engine preset) brings its Lmod modulefile,
# written for the prefix it is installed to (docs/ADMIN.md); the .debs install to /usr and need none.
option(SLUICE_INSTALL_MODULEFILE "Install an Lmod modulefile for the engine" ${SLUICE_ENGINE_ONLY})
set(SLUICE_MODULE_DEPENDS "" CACHE STRING "Modules the engine's modulefile loads (depends_on), e.g. openmpi;hdf5")
if(SLUICE_INSTALL_MODULEFILE)
  install(CODE "execute_process(COMMAND \"${CMAKE_COMMAND}\" \"-DPREFIX=\${CMAKE_INSTALL_PREFIX}\"
      -DVERSION=${PROJECT_VERSION} \"-DDEPENDS=${SLUICE_MODULE_DEPENDS}\"
      -DBINDIR=${CMAKE_INSTALL_BINDIR} -DMANDIR=${CMAKE_INSTALL_MANDIR}
      \"-DOUTPUT=\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/sluice/modulefiles/sluice-engine/${PROJECT_VERSION}.lua\"
      -P \"${PROJECT_SOURCE_DIR}/packaging/lmod/modulefile.cmake\" COMMAND_ERROR_IS_FATAL ANY)"
    COMPONENT engine)
endif()

if(NOT SLUICE_ENGINE_ONLY)
  install(TARGETS sluice RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT desktop)
  sluice_man_page(sluice "desktop app: browse h5USID files, design FFT filters, run them here or on a cluster"
                  "sluice-cli(1), sluice-engine(1)" desktop QT)
  sluice_man_page(sluice-cli "run Sluice filter jobs on Slurm and PBS clusters from a terminal"
                  "sluice(1), sluice-engine(1)" desktop)

  include(SluiceEngineSource)
  # engine deploy (sluice-cli, the app) finds the archive beside the installed programs, or else in this
  # build tree.
  target_compile_definitions(sluice_client PRIVATE
    SLUICE_ENGINE_SOURCE_NAME="${SLUICE_ENGINE_SOURCE_NAME}"
    SLUICE_ENGINE_SOURCE_INSTALLED="../${CMAKE_INSTALL_DATADIR}/sluice/${SLUICE_ENGINE_SOURCE_NAME}"
    SLUICE_ENGINE_SOURCE_BUILD="${SLUICE_ENGINE_SOURCE}")

  # Help → User Guide reads the guide and what it links to from here (gui/app/user_guide.cpp).
  set(doc_dir "${CMAKE_INSTALL_DATADIR}/sluice/doc")
  target_compile_definitions(sluice_gui PRIVATE SLUICE_INSTALLED_DOCS="../${doc_dir}"
                                                SLUICE_SOURCE_DOCS="${PROJECT_SOURCE_DIR}/docs")
  install(FILES docs/USER_GUIDE.md docs/ADMIN.md docs/CLUSTER.md docs/FILTER_SPEC.md DESTINATION "${doc_dir}"
          COMPONENT desktop)
  install(DIRECTORY docs/images/ DESTINATION "${doc_dir}/images" COMPONENT desktop FILES_MATCHING PATTERN "*.png")

  set(linux "${PROJECT_SOURCE_DIR}/resources/linux")
  set(icons "${PROJECT_SOURCE_DIR}/resources/icons")
  install(FILES "${linux}/${SLUICE_APP_ID}.desktop" DESTINATION "${CMAKE_INSTALL_DATADIR}/applications"
          COMPONENT desktop)
  configure_file("${linux}/${SLUICE_APP_ID}.metainfo.xml.in"
                 "${PROJECT_BINARY_DIR}/${SLUICE_APP_ID}.metainfo.xml" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/${SLUICE_APP_ID}.metainfo.xml" DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo"
          COMPONENT desktop)
  install(FILES "${icons}/sluice.svg" DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps"
          RENAME "${SLUICE_APP_ID}.svg" COMPONENT desktop)
  foreach(size 16 24 32 48 64 128 256 512)
    install(FILES "${icons}/sluice-${size}.png"
            DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps"
            RENAME "${SLUICE_APP_ID}.png" COMPONENT desktop)
  endforeach()
endif()

get_property(pages GLOBAL PROPERTY SLUICE_MAN_PAGES)
if(pages)
  add_custom_target(man_pages ALL DEPENDS ${pages})
endif()

# --- CPack: one .deb per component ---
set(CPACK_PACKAGE_NAME "sluice")
set(CPACK_PACKAGE_VENDOR "Sluice")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${SLUICE_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR "DEB")
set(CPACK_DEB_COMPONENT_INSTALL ON)
if(SLUICE_ENGINE_ONLY)
  set(CPACK_COMPONENTS_ALL engine)
else()
  set(CPACK_COMPONENTS_ALL engine desktop)
endif()
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${SLUICE_PROJECT_URL}")

set(CPACK_DEBIAN_ENGINE_PACKAGE_NAME "sluice-engine")
set(CPACK_COMPONENT_ENGINE_DESCRIPTION
    "MPI engine of Sluice: FFT filtering of h5USID HDF5 datasets\n"
    "sluice-engine filters 2-D signal datasets in h5USID files (pycroscopy, pyUSID) with parallel HDF5\n"
    "and FFTW under mpirun or srun, checkpoints as it goes and resumes after a stop or a walltime kill.\n"
    "It also writes synthetic test files, inspects files and merges results into their source.")
# mpirun for more than one rank; the engine runs alone without it.
set(CPACK_DEBIAN_ENGINE_PACKAGE_RECOMMENDS "openmpi-bin")

set(CPACK_DEBIAN_DESKTOP_PACKAGE_NAME "sluice")
set(CPACK_COMPONENT_DESKTOP_DESCRIPTION
    "FFT filtering of h5USID HDF5 datasets, on this computer or on a cluster\n"
    "The Sluice desktop app browses HDF5 files, designs filters with a live preview and runs them on this\n"
    "computer or submits them to Slurm and PBS clusters; sluice-cli does the same from a terminal.\n"
    "Results match pycroscopy's SignalFilter.")
# Local runs start the engine of the same version; the xcb platform plugin comes with libqt6gui6.
set(CPACK_DEBIAN_DESKTOP_PACKAGE_DEPENDS "sluice-engine (= ${PROJECT_VERSION})")
# ssh -G for the effective HashKnownHosts of a host (docs/CLUSTER.md); mpirun for local runs.
set(CPACK_DEBIAN_DESKTOP_PACKAGE_RECOMMENDS "openssh-client, openmpi-bin")
include(CPack)
