#!/usr/bin/env python3
"""The Spack recipe (packaging/spack/spack_repo/sluice/packages/sluice_engine/package.py) against this tree, with a stub of
spack.package (Spack itself is not needed): every SLUICE_ option it sets exists in the CMake files, it
builds the engine alone, and every package the engine-only configure looks for has a depends_on.
    check_spack_recipe.py SOURCE_DIR"""
import pathlib
import re
import sys
import types

source = pathlib.Path(sys.argv[1])
recipe = source / "packaging/spack/spack_repo/sluice/packages/sluice_engine/package.py"
failures = []
recorded = {"depends_on": [], "version": [], "requires": []}


def directive(name):
    def record(*args, **kwargs):
        recorded.setdefault(name, []).append((args, kwargs))
    return record


class Define:
    def __init__(self, name, value):
        self.name, self.value = name, value


class CMakePackage:
    def define(self, name, value):
        return Define(name, value)


stub = types.ModuleType("spack.package")
stub.CMakePackage = CMakePackage
for name in ("depends_on", "version", "variant", "requires", "maintainers", "conflicts", "license"):
    setattr(stub, name, directive(name))
stub.run_after = lambda *a, **k: (lambda f: f)
stub.on_package_attributes = lambda **k: (lambda f: f)
stub.__all__ = [n for n in dir(stub) if not n.startswith("_")]
sys.modules["spack"] = types.ModuleType("spack")
sys.modules["spack.package"] = stub
build_systems = types.ModuleType("spack_repo.builtin.build_systems.cmake")
build_systems.CMakePackage = CMakePackage
for name in ("spack_repo", "spack_repo.builtin", "spack_repo.builtin.build_systems"):
    sys.modules[name] = types.ModuleType(name)
sys.modules["spack_repo.builtin.build_systems.cmake"] = build_systems
repo_yaml = recipe.parents[2] / "repo.yaml"
if "namespace: sluice" not in repo_yaml.read_text() or recipe.parent.name != "sluice_engine":
    failures.append("the repository layout is Spack 1.0's: spack_repo/sluice/{repo.yaml,packages/sluice_engine}")

namespace = {}
exec(compile(recipe.read_text(), str(recipe), "exec"), namespace)
package_class = namespace["SluiceEngine"]
package = package_class.__new__(package_class)
package.spec = {"mpi": types.SimpleNamespace(mpicc="/opt/mpi/bin/mpicc")}
package.run_tests = False  # Spack sets it from --test
args = {d.name: d.value for d in package.cmake_args()}

cmake_text = "\n".join(p.read_text() for p in [source / "CMakeLists.txt", *sorted((source / "cmake").glob("*.cmake"))])
known = set(re.findall(r"option\((SLUICE_\w+)", cmake_text)) | set(re.findall(r"set\((SLUICE_\w+) .*CACHE", cmake_text))
for name in args:
    if name.startswith("SLUICE_") and name not in known:
        failures.append(f"cmake_args sets {name}, which no CMake file declares")
if args.get("SLUICE_ENGINE_ONLY") is not True:
    failures.append("the recipe must build the engine alone (SLUICE_ENGINE_ONLY)")

# What the engine-only configure looks for (the top-level CMakeLists.txt before `if(NOT
# SLUICE_ENGINE_ONLY)`), and the Spack package that provides each.
provides = {"MPI": "mpi", "HDF5": "hdf5", "PkgConfig": "pkgconfig", "nlohmann_json": "nlohmann-json",
            "CLI11": "cli11", "fmt": "fmt", "OpenSSL": "openssl", "fftw3": "fftw"}
top = (source / "CMakeLists.txt").read_text().split("if(NOT SLUICE_ENGINE_ONLY)")[0]
wanted = re.findall(r"find_package\((\w+)", top) + re.findall(r"pkg_check_modules\(\w+ REQUIRED (?:IMPORTED_TARGET )?(\w+)", top)
# The header-only libraries, found or taken from a source archive's third_party/ (SluiceThirdParty.cmake).
wanted += re.findall(r"^sluice_header_library\((\w+)", (source / "cmake/SluiceThirdParty.cmake").read_text(), re.M)
depends = {re.split(r"[@ +~]", a[0])[0] for a, _ in recorded["depends_on"]}
for name in wanted:
    spack_name = provides.get(name)
    if spack_name is None:
        failures.append(f"the engine's configure looks for {name}: add it to this check's table and the recipe")
    elif spack_name not in depends:
        failures.append(f"the engine's configure looks for {name}, the recipe has no depends_on('{spack_name}')")
if not any("+mpi" in a[0] for a, _ in recorded["depends_on"] if a[0].startswith("hdf5")):
    failures.append("HDF5 must be the parallel one (hdf5+mpi)")
minimum = re.search(r"cmake_minimum_required\(VERSION ([0-9.]+)\)", (source / "CMakeLists.txt").read_text()).group(1)
if not any(a[0] == f"cmake@{minimum}:" for a, _ in recorded["depends_on"]):
    failures.append(f"the recipe must ask for cmake@{minimum}: as CMakeLists.txt does")

for f in failures:
    print("FAIL:", f)
if not failures:
    print(f"ok  recipe: {len(recorded['depends_on'])} dependencies, cmake_args {sorted(args)}")
sys.exit(1 if failures else 0)
