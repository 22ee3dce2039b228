#ifndef TL_IMAGE_SHIMS_INTERNAL_H
#define TL_IMAGE_SHIMS_INTERNAL_H

#include "image_shims.h"

/// Copies a message into the caller's buffer, always NUL-terminated, truncating if needed.
void tl_set_message(char *message, size_t message_size, const char *text);

/// Checks width × height against the limit without overflowing, and that a buffer of
/// width × height × bytes_per_pixel fits in size_t. Writes the reason on refusal.
int tl_check_pixel_count(uint32_t width, uint32_t height, size_t max_pixels,
                         size_t bytes_per_pixel, char *message, size_t message_size);

#endif
