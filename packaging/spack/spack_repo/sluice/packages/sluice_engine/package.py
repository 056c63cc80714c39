# Spack recipe for sluice-engine, the MPI engine of Sluice (docs/ADMIN.md). A package repository in
# Spack 1.0's layout (repo API v2.0): `spack repo add packaging/spack/spack_repo/sluice`, then
# `spack install sluice-engine ^openmpi`.
#
# Only the engine is built (the `engine` preset's SLUICE_ENGINE_ONLY): no Qt, libssh or SQLite. The
# engine is MPI by design (parallel HDF5 collective I/O), so there is no ~mpi variant; the MPI is the
# provider of the virtual `mpi` that the spec picks (^openmpi, ^mpich, ^cray-mpich). Tests follow
# Spack's conventions instead of a variant: `spack install --test=root` runs the filter check after the
# install, `spack test run sluice-engine` runs the test_ methods against an installed engine.
from spack_repo.builtin.build_systems.cmake import CMakePackage

from spack.package import *


class SluiceEngine(CMakePackage):
    """Parallel FFT filtering of h5USID HDF5 datasets (pycroscopy SignalFilter compatible): MPI with
    parallel HDF5 and FFTW, checkpointed and resumable after a stop or a walltime kill."""

    homepage = "https://sluice.invalid"
    git = "https://sluice.invalid/sluice.git"

    maintainers("sluice-maintainers")

    version("main", branch="main")

    depends_on("c", type="build")
    depends_on("cxx", type="build")
    depends_on("cmake@3.25:", type="build")
    depends_on("pkgconfig", type="build")
    # C++23 (std::expected): GCC 12 or newer.
    requires("%gcc@12:", "%clang@16:", policy="one_of", msg="sluice-engine needs C++23 (std::expected)")

    depends_on("mpi")
    depends_on("hdf5@1.10: +mpi")
    depends_on("fftw@3: precision=double")
    depends_on("nlohmann-json@3.10:")
    depends_on("cli11@2.1:")
    depends_on("fmt")
    depends_on("openssl")

    def cmake_args(self):
        return [
            self.define("SLUICE_ENGINE_ONLY", True),
            # `--test=root`: tests/core checks the build against the pycroscopy golden files (no Qt).
            self.define("SLUICE_BUILD_TESTS", self.run_tests),
            self.define("SLUICE_INSTALL_MODULEFILE", False),  # Spack writes its own module files
            self.define("HDF5_PREFER_PARALLEL", True),
            self.define("MPI_C_COMPILER", self.spec["mpi"].mpicc),
        ]

    # `spack install --test=root sluice-engine`: the installed engine filters a synthetic file with two
    # ranks, as a cluster job would.
    @run_after("install")
    @on_package_attributes(run_tests=True)
    def check_installed_engine(self):
        self.test_filter_two_ranks()

    def test_version(self):
        """sluice-engine --version names this version"""
        engine = Executable(self.prefix.bin.join("sluice-engine"))
        out = engine("--version", output=str.split, error=str.split)
        assert out.strip().startswith("sluice-engine "), out

    def test_filter_two_ranks(self):
        """a synthetic file filtered by two MPI ranks, in the current directory"""
        engine = Executable(self.prefix.bin.join("sluice-engine"))
        engine("synth", "--output", "synth.h5", "--rows", "8", "--points", "1024",
               "--rate", "1000000", "--seed", "1")
        with open("recipe.json", "w") as f:
            f.write('{"format": "sluice-recipe", "version": 1, "noise_threshold": 0.0001, '
                    '"filters": [{"type": "low_pass", "cutoff_hz": 100000.0, "roll_off": 0.05}]}')
        mpi_bin = self.spec["mpi"].prefix.bin
        mpirun = which(mpi_bin.join("mpirun"), mpi_bin.join("mpiexec"), "srun", required=True)
        mpirun("-n", "2", engine.path, "filter", "--input", "synth.h5",
               "--dataset", "/Measurement_000/Channel_000/Raw_Data",
               "--recipe", "recipe.json", "--output", "filtered.h5")
        engine("inspect", "filtered.h5", output=str)
