#include "internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

// libjpeg finds this through cinfo->err, so the manager must come first.
typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    int status;
    char *message;
    size_t message_size;
} jpeg_failure;

// Everything that changes after setjmp lives here, in the caller's frame, so its values
// survive the longjmp.
typedef struct {
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    const unsigned char *data;
    size_t size;
    size_t max_pixels;
    tl_image *out;
} jpeg_job;

static void fail(j_common_ptr cinfo, int status) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    failure->status = status;
    tl_set_message(failure->message, failure->message_size, text);
    longjmp(failure->jump, 1);
}

// Replaces libjpeg's default, which prints and calls exit().
static void on_error_exit(j_common_ptr cinfo) {
    fail(cinfo, cinfo->err->msg_code == JERR_OUT_OF_MEMORY ? TL_IMAGE_OUT_OF_MEMORY : TL_IMAGE_CORRUPT);
}

static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) {
        return;  // trace output
    }
    // The memory source reports running out of data as a warning and pads with a fake EOI,
    // which would hand back a gray-filled image; Pillow calls such files truncated, so do we.
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        fail(cinfo, TL_IMAGE_TRUNCATED);
    }
    // Other warnings ("Corrupt JPEG data: ...") still yield an image, as in Pillow.
    cinfo->err->num_warnings++;
}

static void on_output_message(j_common_ptr cinfo) {
    (void)cinfo;  // a library must not print
}

static void keep_exif(jpeg_job *job) {
    static const unsigned char prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
    for (jpeg_saved_marker_ptr marker = job->cinfo.marker_list; marker != NULL; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1 || marker->data_length <= sizeof prefix ||
            memcmp(marker->data, prefix, sizeof prefix) != 0) {
            continue;
        }
        size_t size = marker->data_length - sizeof prefix;
        job->out->exif = malloc(size);
        // Orientation is a nicety: without memory for it the image is still right.
        if (job->out->exif != NULL) {
            memcpy(job->out->exif, marker->data + sizeof prefix, size);
            job->out->exif_size = size;
        }
        return;  // the first Exif block wins, as in Pillow
    }
}

static int run(jpeg_job *job) {
    if (setjmp(job->failure.jump)) {
        return job->failure.status;
    }
    struct jpeg_decompress_struct *cinfo = &job->cinfo;
    tl_image *out = job->out;
    jpeg_create_decompress(cinfo);
    jpeg_mem_src(cinfo, job->data, (unsigned long)job->size);
    jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(cinfo, TRUE);

    out->width = cinfo->image_width;
    out->height = cinfo->image_height;
    switch (cinfo->jpeg_color_space) {
        case JCS_GRAYSCALE:
            cinfo->out_color_space = JCS_GRAYSCALE;
            out->layout = TL_LAYOUT_GRAY;
            out->channels = 1;
            break;
        case JCS_CMYK:
        case JCS_YCCK:
            cinfo->out_color_space = JCS_CMYK;
            out->layout = TL_LAYOUT_CMYK;
            out->channels = 4;
            break;
        default:
            cinfo->out_color_space = JCS_RGB;
            out->layout = TL_LAYOUT_RGB;
            out->channels = 3;
            break;
    }
    out->bits_per_sample = 8;
    // Before jpeg_start_decompress, which allocates whole-image buffers for progressive files.
    int status = tl_check_pixel_count(out->width, out->height, job->max_pixels, (size_t)out->channels,
                                      job->failure.message, job->failure.message_size);
    if (status != TL_IMAGE_OK) {
        return status;
    }
    keep_exif(job);

    jpeg_start_decompress(cinfo);
    if (cinfo->output_components != out->channels || cinfo->output_width != out->width ||
        cinfo->output_height != out->height) {
        ERREXIT(cinfo, JERR_BAD_LENGTH);
    }
    size_t row_bytes = (size_t)out->width * (size_t)out->channels;
    out->pixel_bytes = row_bytes * out->height;
    out->pixels = malloc(out->pixel_bytes);
    if (out->pixels == NULL) {
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = (JSAMPROW)out->pixels + (size_t)cinfo->output_scanline * row_bytes;
        if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
            ERREXIT(cinfo, JERR_INPUT_EOF);  // the memory source never suspends
        }
    }
    jpeg_finish_decompress(cinfo);
    return TL_IMAGE_OK;
}

int tl_jpeg_decode(const unsigned char *data, size_t size, size_t max_pixels,
                   tl_image *out, char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    tl_set_message(message, message_size, "");
    jpeg_job *job = calloc(1, sizeof *job);
    if (job == NULL) {
        tl_set_message(message, message_size, "out of memory");
        return TL_IMAGE_OUT_OF_MEMORY;
    }
    job->data = data;
    job->size = size;
    job->max_pixels = max_pixels;
    job->out = out;
    job->failure.message = message;
    job->failure.message_size = message_size;
    job->cinfo.err = jpeg_std_error(&job->failure.manager);
    job->failure.manager.error_exit = on_error_exit;
    job->failure.manager.emit_message = on_emit_message;
    job->failure.manager.output_message = on_output_message;

    int status = run(job);
    // Safe after a failure anywhere, even inside jpeg_create_decompress (cinfo was zeroed).
    jpeg_destroy_decompress(&job->cinfo);
    free(job);
    if (status != TL_IMAGE_OK) {
        uint32_t width = out->width, height = out->height;
        tl_image_free(out);
        memset(out, 0, sizeof *out);
        out->width = width;
        out->height = height;
    }
    return status;
}
