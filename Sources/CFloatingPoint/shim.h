#ifndef TL_CFLOATINGPOINT_SHIM_H
#define TL_CFLOATINGPOINT_SHIM_H
// The CPU's per-thread floating-point control bits, which Swift cannot reach:
// flush-to-zero and denormals-are-zero (x86 MXCSR, ARM FPCR.FZ).
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define TL_FTZ_DAZ_BITS 0x8040u

static inline void tl_flush_denormals(void) { _mm_setcsr(_mm_getcsr() | TL_FTZ_DAZ_BITS); }

static inline int tl_denormals_flushed(void) { return (_mm_getcsr() & TL_FTZ_DAZ_BITS) == TL_FTZ_DAZ_BITS; }
#elif defined(__aarch64__)
#include <stdint.h>
static inline void tl_flush_denormals(void) {
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr |= (uint64_t)1 << 24;
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
}

static inline int tl_denormals_flushed(void) {
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    return (fpcr >> 24) & 1;
}
#else
static inline void tl_flush_denormals(void) {}

static inline int tl_denormals_flushed(void) { return 0; }
#endif
#endif
