// Stand-in for MPI's header, first on every GUI target's include path. MPI belongs to the engine
// (shared/h5/mpi_file.hpp, engine/mpi_env.hpp); the desktop app starts the engine, it never calls MPI.
// See docs/DESIGN.md §8.
#error "GUI code must not include mpi.h: MPI belongs to the engine (shared/h5/mpi_file.hpp)"
