#include "internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

// Everything that changes after setjmp lives here, in the caller's frame, so its values
// survive the longjmp (locals of the function that calls setjmp would be indeterminate).
typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
    size_t max_pixels;
    int status;
    int pixels_complete;
    char *message;
    size_t message_size;
    tl_image *out;
    png_bytep *rows;
} png_job;

static void read_from_memory(png_structp png, png_bytep destination, size_t length) {
    png_job *job = png_get_io_ptr(png);
    if (length > job->size - job->offset) {
        job->status = TL_IMAGE_TRUNCATED;
        png_error(png, "unexpected end of data");
    }
    memcpy(destination, job->data + job->offset, length);
    job->offset += length;
}

static void on_error(png_structp png, png_const_charp text) {
    png_job *job = png_get_error_ptr(png);
    if (job->status == TL_IMAGE_OK) {
        // libpng has no error codes; its messages are stable, e.g. "IDAT: CRC error".
        if (strstr(text, "CRC") != NULL) {
            job->status = TL_IMAGE_BAD_CRC;
        } else if (strstr(text, "memory") != NULL) {
            job->status = TL_IMAGE_OUT_OF_MEMORY;
        } else {
            job->status = TL_IMAGE_CORRUPT;
        }
    }
    tl_set_message(job->message, job->message_size, text);
    png_longjmp(png, 1);
}

// Warnings (ancillary-chunk CRC errors, odd ICC profiles) never stop decoding and must not
// reach stderr from a library; libpng has already discarded the offending chunk.
static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static int is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const unsigned char *)&probe == 1;
}

static void keep_exif(png_structp png, png_infop info, tl_image *out) {
#ifdef PNG_eXIf_SUPPORTED
    png_uint_32 size = 0;
    png_bytep exif = NULL;
    if ((png_get_eXIf_1(png, info, &size, &exif) & PNG_INFO_eXIf) && exif != NULL && size > 0) {
        out->exif = malloc(size);
        // Orientation is a nicety: without memory for it the image is still right.
        if (out->exif != NULL) {
            memcpy(out->exif, exif, size);
            out->exif_size = size;
        }
    }
#else
    (void)png;
    (void)info;
    (void)out;
#endif
}

// Returns 0 when decoding ran to the end, 1 after a longjmp from libpng. Fills job->status
// when it refuses the image itself.
static int run(png_structp png, png_infop info, png_job *job) {
    if (setjmp(png_jmpbuf(png))) {
        return 1;
    }
    tl_image *out = job->out;
    png_set_read_fn(png, job, read_from_memory);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    out->width = width;
    out->height = height;
    // 8 bytes per pixel bounds every layout below (RGBA, 16 bits).
    job->status = tl_check_pixel_count(width, height, job->max_pixels, 8, job->message, job->message_size);
    if (job->status != TL_IMAGE_OK) {
        return 0;
    }

    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (png_get_valid(png, info, PNG_INFO_tRNS)) {
        png_set_tRNS_to_alpha(png);
    }
    // PNG stores 16-bit samples big-endian; Swift reads them as native uint16.
    if (bit_depth == 16 && is_little_endian()) {
        png_set_swap(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int depth = png_get_bit_depth(png, info);
    switch (png_get_color_type(png, info)) {
        case PNG_COLOR_TYPE_GRAY: out->layout = TL_LAYOUT_GRAY; break;
        case PNG_COLOR_TYPE_GRAY_ALPHA: out->layout = TL_LAYOUT_GRAY_ALPHA; break;
        case PNG_COLOR_TYPE_RGB: out->layout = TL_LAYOUT_RGB; break;
        case PNG_COLOR_TYPE_RGB_ALPHA: out->layout = TL_LAYOUT_RGBA; break;
        default:
            png_error(png, "unexpected color type after expansion");
    }
    size_t row_bytes = png_get_rowbytes(png, info);
    if ((depth != 8 && depth != 16) || row_bytes != (size_t)width * (size_t)channels * (size_t)(depth / 8)) {
        png_error(png, "unexpected row layout after expansion");
    }
    out->channels = channels;
    out->bits_per_sample = depth;

    out->pixel_bytes = row_bytes * height;
    out->pixels = malloc(out->pixel_bytes);
    job->rows = malloc(sizeof(png_bytep) * height);
    if (out->pixels == NULL || job->rows == NULL) {
        job->status = TL_IMAGE_OUT_OF_MEMORY;
        png_error(png, "out of memory for the pixels");
    }
    for (png_uint_32 y = 0; y < height; y++) {
        job->rows[y] = (png_bytep)out->pixels + (size_t)y * row_bytes;
    }
    png_read_image(png, job->rows);
    job->pixels_complete = 1;
    // Reads chunks after the image data, where eXIf may also sit.
    png_read_end(png, info);
    return 0;
}

int tl_png_decode(const unsigned char *data, size_t size, size_t max_pixels,
                  tl_image *out, char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    tl_set_message(message, message_size, "");
    png_job job = {
        .data = data, .size = size, .max_pixels = max_pixels, .status = TL_IMAGE_OK,
        .message = message, .message_size = message_size, .out = out,
    };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
    if (png == NULL) {
        tl_set_message(message, message_size, "out of memory");
        return TL_IMAGE_OUT_OF_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        tl_set_message(message, message_size, "out of memory");
        return TL_IMAGE_OUT_OF_MEMORY;
    }

    int jumped = run(png, info, &job);
    if (jumped && job.pixels_complete && job.status == TL_IMAGE_TRUNCATED) {
        // Every pixel arrived and only the trailer (e.g. IEND) is missing: Pillow accepts
        // such files, and so do we. Damaged trailing chunks are still errors.
        job.status = TL_IMAGE_OK;
        tl_set_message(message, message_size, "");
    }
    if (job.status == TL_IMAGE_OK) {
        keep_exif(png, info, out);
    }
    free(job.rows);
    png_destroy_read_struct(&png, &info, NULL);

    if (job.status != TL_IMAGE_OK) {
        uint32_t width = out->width, height = out->height;
        tl_image_free(out);
        memset(out, 0, sizeof *out);
        out->width = width;
        out->height = height;
    }
    return job.status;
}
