#include "internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

// As in png_decode.c: everything that changes after setjmp lives in this struct in the
// caller's frame, so its values survive the longjmp.
typedef struct {
    unsigned char *buffer;
    size_t size;
    size_t capacity;
    int status;
    char *message;
    size_t message_size;
} png_output;

static void write_to_memory(png_structp png, png_bytep data, size_t length) {
    png_output *output = png_get_io_ptr(png);
    if (length > output->capacity - output->size) {
        // Doubling keeps the number of reallocations logarithmic in the file size.
        size_t needed = output->size + length;
        if (needed < output->size) {
            output->status = TL_IMAGE_OUT_OF_MEMORY;
            png_error(png, "encoded image is too large to address in memory");
        }
        size_t capacity = output->capacity > 0 ? output->capacity : 4096;
        while (capacity < needed) {
            capacity = capacity > SIZE_MAX / 2 ? needed : capacity * 2;
        }
        unsigned char *grown = realloc(output->buffer, capacity);
        if (grown == NULL) {
            output->status = TL_IMAGE_OUT_OF_MEMORY;
            png_error(png, "out of memory for the encoded image");
        }
        output->buffer = grown;
        output->capacity = capacity;
    }
    memcpy(output->buffer + output->size, data, length);
    output->size += length;
}

// Nothing is buffered: the whole file stays in memory until the caller writes it.
static void flush_memory(png_structp png) {
    (void)png;
}

static void on_error(png_structp png, png_const_charp text) {
    png_output *output = png_get_error_ptr(png);
    if (output->status == TL_IMAGE_OK) {
        output->status = strstr(text, "memory") != NULL ? TL_IMAGE_OUT_OF_MEMORY : TL_IMAGE_ENCODE_FAILED;
    }
    tl_set_message(output->message, output->message_size, text);
    png_longjmp(png, 1);
}

// A library must not print; libpng's write-side warnings concern chunks we never set.
static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

// Returns 0 when the file is complete, 1 after a longjmp from libpng.
static int run(png_structp png, png_infop info, const unsigned char *pixels, uint32_t width,
               uint32_t height, int channels, png_output *output) {
    if (setjmp(png_jmpbuf(png))) {
        return 1;
    }
    png_set_write_fn(png, output, write_to_memory, flush_memory);
    png_set_IHDR(png, info, width, height, 8,
                 channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    // Row by row from the caller's buffer, so no array of row pointers has to be allocated.
    size_t row_bytes = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, pixels + (size_t)y * row_bytes);
    }
    png_write_end(png, info);
    return 0;
}

int tl_png_encode(const unsigned char *pixels, size_t pixel_bytes, uint32_t width, uint32_t height,
                  int channels, unsigned char **out_data, size_t *out_size,
                  char *message, size_t message_size) {
    *out_data = NULL;
    *out_size = 0;
    tl_set_message(message, message_size, "");
    if (channels != 3 && channels != 4) {
        tl_set_message(message, message_size, "PNG encoding needs 3 (RGB) or 4 (RGBA) channels");
        return TL_IMAGE_INVALID_ARGUMENT;
    }
    // PNG's own limit on each dimension is 2^31 - 1; libpng's default user limit is 10^6.
    if (width == 0 || height == 0 || width > PNG_USER_WIDTH_MAX || height > PNG_USER_HEIGHT_MAX) {
        tl_set_message(message, message_size, "image size is outside what PNG can store");
        return TL_IMAGE_INVALID_ARGUMENT;
    }
    if (pixels == NULL || (uint64_t)width * (uint64_t)height > (uint64_t)(SIZE_MAX / (size_t)channels)
        || pixel_bytes != (size_t)width * (size_t)height * (size_t)channels) {
        tl_set_message(message, message_size, "pixel buffer does not hold width x height x channels bytes");
        return TL_IMAGE_INVALID_ARGUMENT;
    }

    png_output output = {
        .buffer = NULL, .size = 0, .capacity = 0, .status = TL_IMAGE_OK,
        .message = message, .message_size = message_size,
    };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &output, on_error, on_warning);
    if (png == NULL) {
        tl_set_message(message, message_size, "out of memory");
        return TL_IMAGE_OUT_OF_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        tl_set_message(message, message_size, "out of memory");
        return TL_IMAGE_OUT_OF_MEMORY;
    }

    int jumped = run(png, info, pixels, width, height, channels, &output);
    png_destroy_write_struct(&png, &info);
    if (jumped || output.status != TL_IMAGE_OK) {
        free(output.buffer);
        return output.status != TL_IMAGE_OK ? output.status : TL_IMAGE_ENCODE_FAILED;
    }
    *out_data = output.buffer;
    *out_size = output.size;
    return TL_IMAGE_OK;
}

void tl_buffer_free(void *buffer) {
    free(buffer);
}
