#ifndef TL_CHDF5_SHIM_H
#define TL_CHDF5_SHIM_H
#include <hdf5.h>

// HDF5's constants are macros that expand to function calls or globals (H5open() first),
// which Swift cannot import; these getters give Swift the same values.
static inline hid_t tl_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t tl_H5S_ALL(void) { return H5S_ALL; }
static inline unsigned tl_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned tl_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned tl_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned tl_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline hid_t tl_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t tl_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t tl_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t tl_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t tl_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t tl_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t tl_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t tl_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t tl_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t tl_H5P_ATTRIBUTE_CREATE(void) { return H5P_ATTRIBUTE_CREATE; }
static inline hid_t tl_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t tl_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline size_t tl_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hsize_t tl_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }

// Silences libhdf5's own error printing; errors reach Swift as return codes.
static inline herr_t tl_H5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
