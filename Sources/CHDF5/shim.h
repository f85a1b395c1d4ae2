#include <hdf5.h>

// HDF5's constants are macros that call H5open(); Swift cannot import them.
static inline hid_t shim_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t shim_H5S_ALL(void) { return H5S_ALL; }
static inline unsigned shim_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned shim_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned shim_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned shim_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline hid_t shim_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t shim_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t shim_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t shim_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t shim_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t shim_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t shim_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t shim_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t shim_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t shim_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t shim_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t shim_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
static inline hid_t shim_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t shim_H5E_DEFAULT(void) { return H5E_DEFAULT; }

// Silence HDF5's own printing; errors are read from the stack into Swift errors instead.
static inline void shim_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

// Added for Storage: more macro constants.
static inline hid_t shim_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline size_t shim_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hid_t shim_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
