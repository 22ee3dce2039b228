#ifndef TL_IMAGE_SHIMS_H
#define TL_IMAGE_SHIMS_H

// The project's only C: libpng and libjpeg report fatal errors by longjmp (libpng) or by
// calling an error_exit that would otherwise exit() (libjpeg). Jumping across Swift frames
// is undefined behaviour, so every setjmp lives in these functions and Swift only ever sees
// a return code and a message.
//
// Every function here is reentrant: all state lives in the caller's stack frame and in the
// per-call library structs, so several threads may decode at once.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TL_IMAGE_OK = 0,
    /// The data is not a valid image (bad marker, bad header field, bad compressed data...).
    TL_IMAGE_CORRUPT = 1,
    /// The data ends before the image does.
    TL_IMAGE_TRUNCATED = 2,
    /// A critical PNG chunk failed its CRC check.
    TL_IMAGE_BAD_CRC = 3,
    /// width × height exceeds the caller's limit; `width` and `height` of the output are set.
    TL_IMAGE_TOO_LARGE = 4,
    TL_IMAGE_OUT_OF_MEMORY = 5,
    /// The caller's arguments cannot describe an image (encoding only): zero size, a channel
    /// count other than 3 or 4, or too few bytes for width × height × channels.
    TL_IMAGE_INVALID_ARGUMENT = 6,
    /// libpng refused to write; the message is its own.
    TL_IMAGE_ENCODE_FAILED = 7,
} tl_image_status;

typedef enum {
    TL_LAYOUT_GRAY = 1,
    TL_LAYOUT_GRAY_ALPHA = 2,
    TL_LAYOUT_RGB = 3,
    TL_LAYOUT_RGBA = 4,
    /// As libjpeg returns it: Adobe (inverted) polarity, converted to RGB by the caller.
    TL_LAYOUT_CMYK = 5,
} tl_pixel_layout;

typedef struct {
    uint32_t width;
    uint32_t height;
    tl_pixel_layout layout;
    /// Samples per pixel: 1, 2, 3 or 4.
    int channels;
    /// 8 (uint8 samples) or 16 (uint16 samples in native byte order).
    int bits_per_sample;
    /// Rows packed top to bottom, no padding: width × channels samples each. Owned; see tl_image_free.
    void *pixels;
    size_t pixel_bytes;
    /// The TIFF structure of the first Exif block (JPEG APP1 without its "Exif\0\0" prefix,
    /// or the PNG eXIf chunk), or NULL. Owned; see tl_image_free.
    unsigned char *exif;
    size_t exif_size;
} tl_image;

/// Decodes a PNG held in memory. Palettes and gray depths below 8 are expanded to 8 bits,
/// tRNS becomes an alpha channel, 16-bit samples are kept. Refuses images with more than
/// `max_pixels` pixels after reading the header and before allocating anything for pixels.
/// On failure returns a non-zero tl_image_status, writes a NUL-terminated reason into
/// `message` and leaves nothing to free in `out` (except width and height, which are valid
/// for TL_IMAGE_TOO_LARGE).
int tl_png_decode(const unsigned char *data, size_t size, size_t max_pixels,
                  tl_image *out, char *message, size_t message_size);

/// Decodes a JPEG held in memory to gray, RGB (from YCbCr or RGB) or CMYK (from CMYK or YCCK),
/// with libjpeg's default (accurate integer) DCT and fancy upsampling, like Pillow.
/// Same contract as tl_png_decode.
int tl_jpeg_decode(const unsigned char *data, size_t size, size_t max_pixels,
                   tl_image *out, char *message, size_t message_size);

/// Encodes 8-bit RGB (`channels` 3) or RGBA (`channels` 4, straight alpha) pixels, rows packed
/// top to bottom without padding, as a non-interlaced PNG held in memory. On success `*out_data`
/// points to `*out_size` bytes that the caller releases with tl_buffer_free. On failure returns
/// a non-zero tl_image_status, writes a NUL-terminated reason into `message` and leaves
/// `*out_data` NULL, with nothing to free.
int tl_png_encode(const unsigned char *pixels, size_t pixel_bytes, uint32_t width, uint32_t height,
                  int channels, unsigned char **out_data, size_t *out_size,
                  char *message, size_t message_size);

/// Frees a buffer returned by an encoder; NULL is allowed.
void tl_buffer_free(void *buffer);

/// Frees what a successful decode allocated and clears the pointers; safe to call twice.
void tl_image_free(tl_image *image);

#ifdef __cplusplus
}
#endif

#endif
