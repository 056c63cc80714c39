// Stand-in for HDF5's header, first on every GUI target's include path. The desktop app reaches HDF5
// only through shared/h5/browse.hpp (BrowseFile, on H5Service's thread): libhdf5 is not thread-safe here,
// and its header pulls in mpi.h. See docs/DESIGN.md §8.
#error "GUI code must not include hdf5.h: read files through h5::BrowseFile (shared/h5/browse.hpp) via H5Service"
