#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tl_image_free(tl_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    free(image->exif);
    image->pixels = NULL;
    image->pixel_bytes = 0;
    image->exif = NULL;
    image->exif_size = 0;
}

void tl_set_message(char *message, size_t message_size, const char *text) {
    if (message == NULL || message_size == 0) return;
    snprintf(message, message_size, "%s", text);
}

int tl_check_pixel_count(uint32_t width, uint32_t height, size_t max_pixels,
                         size_t bytes_per_pixel, char *message, size_t message_size) {
    // Both factors are below 2^32, so the product fits in 64 bits.
    uint64_t pixels = (uint64_t)width * (uint64_t)height;
    if (pixels > (uint64_t)max_pixels) {
        if (message != NULL && message_size > 0) {
            snprintf(message, message_size, "%u x %u = %llu pixels exceeds the limit of %llu",
                     width, height, (unsigned long long)pixels, (unsigned long long)max_pixels);
        }
        return TL_IMAGE_TOO_LARGE;
    }
    if (width == 0 || height == 0) {
        tl_set_message(message, message_size, "image has no pixels");
        return TL_IMAGE_CORRUPT;
    }
    if (pixels > (uint64_t)(SIZE_MAX / bytes_per_pixel)) {
        tl_set_message(message, message_size, "image is too large to address in memory");
        return TL_IMAGE_TOO_LARGE;
    }
    return TL_IMAGE_OK;
}
