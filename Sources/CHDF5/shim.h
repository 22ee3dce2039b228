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
static inline unsigned tl_H5F_OBJ_ALL(void) { return H5F_OBJ_ALL; }
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

static inline hid_t tl_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t tl_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
// File (on-disk) types: little-endian like numpy's defaults, so h5py reads them as float32/int64/...
static inline hid_t tl_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t tl_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t tl_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t tl_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }

// The H5O info calls changed signature in 1.10.3 and again in 1.12 (H5O_info2_t);
// these wrappers keep Swift on one stable signature whatever libhdf5 is installed.
// Returns the H5O_type_t of the object at `name`, or -1 on failure.
static inline int tl_H5O_type_by_name(hid_t loc, const char *name) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info_by_name3(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
#elif H5_VERSION_GE(1, 10, 3)
    H5O_info_t info;
    if (H5Oget_info_by_name2(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
#else
    H5O_info_t info;
    if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0) return -1;
#endif
    return (int)info.type;
}

// Returns the number of attributes on an object (a file id means its root group), or -1 on failure.
static inline long long tl_H5O_num_attrs(hid_t obj) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(obj, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
#elif H5_VERSION_GE(1, 10, 3)
    H5O_info_t info;
    if (H5Oget_info2(obj, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
#else
    H5O_info_t info;
    if (H5Oget_info(obj, &info) < 0) return -1;
#endif
    return (long long)info.num_attrs;
}

// Frees the strings libhdf5 allocated while reading variable-length data into `buf`
// (H5Dvlen_reclaim became H5Treclaim in 1.12).
static inline herr_t tl_H5_reclaim(hid_t mem_type, hid_t space, void *buf) {
#if H5_VERSION_GE(1, 12, 0)
    return H5Treclaim(mem_type, space, H5P_DEFAULT, buf);
#else
    return H5Dvlen_reclaim(mem_type, space, H5P_DEFAULT, buf);
#endif
}

// Silences libhdf5's own error printing; errors reach Swift as return codes.
static inline herr_t tl_H5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
