#ifndef TL_CDNNL_SHIM_H
#define TL_CDNNL_SHIM_H
#include <oneapi/dnnl/dnnl.h>

// Debian's oneDNN runs its primitives on OpenMP (libgomp); its thread count is OpenMP's.
// Declared here because omp.h lives in GCC's private include directory.
void omp_set_num_threads(int count);
// The engine runs its own parallel loops on the same OpenMP threads (libgomp's entry point for
// a parallel region: `fn(data)` on every thread of a team of `num_threads`), so that one pool
// of threads, not two, shares the cores.
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);

// The argument indices are macros of macros, which Swift does not import.
static const int tl_dnnl_arg_src = DNNL_ARG_SRC;
static const int tl_dnnl_arg_dst = DNNL_ARG_DST;
static const int tl_dnnl_arg_weights = DNNL_ARG_WEIGHTS;
static const int tl_dnnl_arg_bias = DNNL_ARG_BIAS;
static const int tl_dnnl_arg_from = DNNL_ARG_FROM;
static const int tl_dnnl_arg_to = DNNL_ARG_TO;
#endif
