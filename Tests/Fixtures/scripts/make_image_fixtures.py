#!/usr/bin/env python3
"""Writes the image-decoding fixtures under Tests/Fixtures/images/.

Each good image has, beside it in expected/, the RGB pixels a Keras user gets from Pillow:
np.asarray(Image.open(p).convert("RGB")), after ImageOps.exif_transpose for the orientation
cases. 16-bit PNGs are the exception: Pillow cuts them to 8 bits, while `tl` keeps
v / 65535 * 255, so their expectations come from the 16-bit source values (and the script
checks that Pillow's 8-bit reading of the same file is those values' top byte).

Some PNG variants Pillow cannot write (2- and 4-bit gray, 16-bit colour, Adam7 interlacing,
gray + tRNS), so a small PNG writer below produces them; Pillow then reads every file back,
which checks the writer.

manifest.json lists every file: good ones with size, expectation file (raw u8, or float32
little-endian for 16-bit sources), optional alpha expectation and the test tolerance; bad
ones with the error `tl` must report.

Usage (from the repository root):
    python3 -m venv .venv-fixtures && .venv-fixtures/bin/pip install pillow numpy
    .venv-fixtures/bin/python Tests/Fixtures/scripts/make_image_fixtures.py
"""

import io
import json
import shutil
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, ImageOps, features

OUT = Path(__file__).resolve().parent.parent / "images"
EXPECTED = OUT / "expected"
WIDTH, HEIGHT = 13, 9  # odd and non-square, so a transposed or mirrored result cannot pass
RNG = np.random.default_rng(20240611)
# Pillow suggests RGBA for palettes with tRNS; converting such a palette is the point here.
warnings.filterwarnings("ignore", message="Palette images with Transparency")

# Pillow bundles libjpeg-turbo too and, like `tl`, decodes with the accurate integer IDCT
# (JDCT_ISLOW) and fancy upsampling. libjpeg-turbo keeps those bit-exact across versions and
# across its SIMD and C paths (Pillow's 3.x and Debian's 2.1 agree exactly on every fixture), so
# +-1 only absorbs a rounding change in some future build. It still catches a wrong decoder
# setting: on these fixtures JDCT_IFAST differs by 2-5, JDCT_FLOAT by up to 3 and plain
# (non-fancy) upsampling by 9-20 on chroma-subsampled files.
JPEG_TOLERANCE = 1

manifest = {"generator": f"Pillow {PIL.__version__}, libjpeg-turbo {features.version('libjpeg_turbo')}, "
                         f"numpy {np.__version__}",
            "images": [], "errors": []}


# ---------------------------------------------------------------- source pictures

def gradient_rgb8():
    """Red follows x, green follows y, blue both, plus noise: every flip or turn shows."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    noise = RNG.integers(-12, 13, size=(HEIGHT, WIDTH, 3))
    rgb = np.stack([20 + x * 17, 30 + y * 25, 200 - x * 6 - y * 9], axis=-1) + noise
    rgb[0, 0] = [255, 255, 255]  # a bright corner marks the stored top-left
    return np.clip(rgb, 0, 255).astype(np.uint8)


def gradient_16(channels):
    """16-bit samples whose low bytes matter, so cutting to 8 bits would fail the test."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    planes = [1000 + x * 4999 + y * 37, 800 + y * 7777 + x * 3, 65535 - x * 3001 - y * 2999, 3 + x * 911 + y * 13]
    noise = RNG.integers(0, 256, size=(HEIGHT, WIDTH, channels))
    out = np.stack(planes[:channels], axis=-1) + noise
    out[0, 0, :] = 65535
    out[HEIGHT - 1, WIDTH - 1, :] = 0
    return np.clip(out, 0, 65535).astype(np.uint16)


def alpha8():
    """Covers fully transparent, fully opaque and partial coverage."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    a = (x * 21 + y * 3) % 256
    a[:, 0] = 0
    a[:, -1] = 255
    return a.astype(np.uint8)


# ---------------------------------------------------------------- a minimal PNG writer

def chunk(tag, data, corrupt_crc=False):
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    if corrupt_crc:
        crc ^= 0x5A5A5A5A
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def pack_row(row, bit_depth):
    """One scanline's samples (1-D) into bytes: MSB-first bit packing below 8 bits, big-endian at 16."""
    if bit_depth == 16:
        return row.astype(">u2").tobytes()
    if bit_depth == 8:
        return row.astype(np.uint8).tobytes()
    per_byte = 8 // bit_depth
    padded = np.zeros(-(-len(row) // per_byte) * per_byte, dtype=np.int64)
    padded[: len(row)] = row
    shifts = np.arange(per_byte - 1, -1, -1) * bit_depth
    return (padded.reshape(-1, per_byte) << shifts).sum(axis=1).astype(np.uint8).tobytes()


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def scanlines(samples, bit_depth, interlace):
    """Filter type 0 (None) on every row; Pillow-written fixtures cover the other filters."""
    images = [samples[y0::dy, x0::dx] for x0, y0, dx, dy in ADAM7] if interlace else [samples]
    out = b""
    for image in images:
        if image.shape[0] == 0 or image.shape[1] == 0:
            continue  # empty Adam7 passes have no rows at all
        for row in image:
            out += b"\x00" + pack_row(row.reshape(-1), bit_depth)
    return out


def png_bytes(samples, color_type, bit_depth, interlace=False, palette=None, trns=None, before_idat=b""):
    """samples: (H, W, C) array of stored sample values (palette indices for colour type 3)."""
    height, width = samples.shape[:2]
    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, int(interlace)))
    if palette is not None:
        data += chunk(b"PLTE", np.asarray(palette, dtype=np.uint8).tobytes())
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += before_idat
    data += chunk(b"IDAT", zlib.compress(scanlines(samples, bit_depth, interlace), 9))
    data += chunk(b"IEND", b"")
    return data


# ---------------------------------------------------------------- recording

def write(name, data):
    (OUT / name).write_bytes(data)
    return OUT / name


def save_with_pillow(name, image, **params):
    buffer = io.BytesIO()
    image.save(buffer, **params)
    return write(name, buffer.getvalue())


def pillow_rgb(path, transpose=False):
    with Image.open(path) as image:
        if transpose:
            image = ImageOps.exif_transpose(image)
        return np.asarray(image.convert("RGB"))


def pillow_alpha(path):
    with Image.open(path) as image:
        return np.asarray(image.convert("RGBA"))[..., 3]


def scaled16(values):
    """The 16-bit to [0, 255] mapping `tl` uses, in float64 and rounded once to float32."""
    return (values.astype(np.float64) / 65535 * 255).astype(np.float32)


def record(path, rgb, alpha=None, tolerance=0, note=""):
    rgb = np.asarray(rgb)
    assert rgb.ndim == 3 and rgb.shape[2] == 3, rgb.shape
    stem = path.name.replace(".", "_")
    entry = {"file": path.name, "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
             "tolerance": tolerance, "note": note}
    for key, values in (("expected", rgb), ("alpha", alpha)):
        if values is None:
            continue
        if values.dtype == np.uint8:
            suffix, raw = "u8", values.tobytes()
        else:
            suffix, raw = "f32", values.astype("<f4").tobytes()
        name = f"{stem}.{key}.{suffix}" if key == "alpha" else f"{stem}.{suffix}"
        (EXPECTED / name).write_bytes(raw)
        entry[key] = f"expected/{name}"
    manifest["images"].append(entry)


def record_error(path, reason, note=""):
    manifest["errors"].append({"file": path.name, "reason": reason, "note": note})


def assert_pillow_refuses(path):
    try:
        with Image.open(path) as image:
            image.load()
    except Exception:
        return
    raise AssertionError(f"Pillow accepted {path.name}")


# ---------------------------------------------------------------- PNG

def make_pngs():
    rgb = gradient_rgb8()
    gray = rgb[..., 1]
    alpha = alpha8()

    # Written by Pillow (adaptive filters, its own zlib settings).
    path = save_with_pillow("png_gray1.png", Image.fromarray(gray > 127), format="PNG")
    record(path, pillow_rgb(path), note="1-bit gray written by Pillow (mode 1)")
    path = save_with_pillow("png_gray8.png", Image.fromarray(gray), format="PNG")
    record(path, pillow_rgb(path))
    path = save_with_pillow("png_gray_alpha8.png", Image.fromarray(np.dstack([gray, alpha]), "LA"), format="PNG")
    record(path, pillow_rgb(path), alpha=pillow_alpha(path))
    path = save_with_pillow("png_rgb8.png", Image.fromarray(rgb), format="PNG")
    record(path, pillow_rgb(path))
    path = save_with_pillow("png_rgba8.png", Image.fromarray(np.dstack([rgb, alpha]), "RGBA"), format="PNG")
    record(path, pillow_rgb(path), alpha=pillow_alpha(path))

    # An 8-bit palette whose first entries carry tRNS transparency.
    palette_image = Image.fromarray(rgb).quantize(colors=24, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path = save_with_pillow("png_palette_trns.png", palette_image, format="PNG",
                            transparency=bytes([0, 64, 128, 200] + [255] * 20))
    with Image.open(path) as check:
        assert check.mode == "P" and "transparency" in check.info
    record(path, pillow_rgb(path), alpha=pillow_alpha(path))

    # Written here: depths and layouts Pillow does not write.
    levels = {2: 3, 4: 15}
    for depth, top in levels.items():
        samples = (gray.astype(np.int64) * top + 127) // 255
        path = write(f"png_gray{depth}.png", png_bytes(samples[..., None], 0, depth))
        record(path, pillow_rgb(path), note=f"{depth}-bit gray")
    path = write("png_gray4_interlaced.png",
                 png_bytes(((gray.astype(np.int64) * 15 + 127) // 255)[..., None], 0, 4, interlace=True))
    record(path, pillow_rgb(path), note="Adam7 with sub-byte packing")
    path = write("png_rgb8_interlaced.png", png_bytes(rgb, 2, 8, interlace=True))
    record(path, pillow_rgb(path), note="Adam7")
    assert np.array_equal(pillow_rgb(path), rgb)

    palette = np.array([[i * 17, 255 - i * 13, (i * 71) % 256] for i in range(16)], dtype=np.uint8)
    indices = (np.arange(HEIGHT * WIDTH).reshape(HEIGHT, WIDTH) * 7 + gray // 40) % 16
    path = write("png_palette4.png", png_bytes(indices[..., None], 3, 4, palette=palette))
    record(path, pillow_rgb(path), note="4-bit palette, no tRNS")
    assert np.array_equal(pillow_rgb(path), palette[indices])

    # Gray with a tRNS key colour: that one value becomes transparent.
    key = int(gray[2, 3])
    path = write("png_gray8_trns.png", png_bytes(gray[..., None], 0, 8, trns=struct.pack(">H", key)))
    expected_alpha = np.where(gray == key, 0, 255).astype(np.uint8)
    assert np.array_equal(pillow_alpha(path), expected_alpha)
    record(path, pillow_rgb(path), alpha=expected_alpha, note="tRNS key colour")

    for name, channels, color_type, interlace in [("png_gray16.png", 1, 0, False),
                                                  ("png_gray_alpha16.png", 2, 4, False),
                                                  ("png_rgb16.png", 3, 2, False),
                                                  ("png_rgba16.png", 4, 6, False),
                                                  ("png_rgba16_interlaced.png", 4, 6, True)]:
        samples = gradient_16(channels)
        path = write(name, png_bytes(samples, color_type, 16, interlace=interlace))
        color = samples[..., :3] if channels >= 3 else np.repeat(samples[..., :1], 3, axis=2)
        with Image.open(path) as check:
            stored = np.asarray(check)
        if channels == 1:
            assert np.array_equal(stored, samples[..., 0]), "Pillow reads I;16 gray exactly"
        else:
            assert np.array_equal(pillow_rgb(path), (color >> 8).astype(np.uint8)), "Pillow keeps the top byte"
        alpha = scaled16(samples[..., -1]) if channels in (2, 4) else None
        record(path, scaled16(color), alpha=alpha, note="16-bit: expectation from the source, v / 65535 * 255")

    # Orientation in a PNG eXIf chunk, which exif_transpose honours as well.
    exif = Image.Exif()
    exif[0x0112] = 6
    path = save_with_pillow("png_exif_orientation6.png", Image.fromarray(rgb), format="PNG", exif=exif)
    assert b"eXIf" in path.read_bytes()
    record(path, pillow_rgb(path, transpose=True), note="eXIf orientation 6")

    # A damaged ancillary chunk: libpng drops it with a warning and decodes the image.
    # (Pillow is stricter here and refuses the file; the pixels are unaffected either way.)
    clean = png_bytes(rgb, 2, 8)
    text = chunk(b"tEXt", b"Comment\x00damaged on purpose", corrupt_crc=True)
    path = write("png_ancillary_bad_crc.png", png_bytes(rgb, 2, 8, before_idat=text))
    record(path, rgb, note="tEXt with a bad CRC is skipped (Pillow refuses the file)")

    # Every pixel present, IEND missing: Pillow decodes it, so must we.
    path = write("png_missing_iend.png", clean[:-12])
    record(path, pillow_rgb(path), note="IEND chunk cut off")


def make_bad_pngs():
    noise = RNG.integers(0, 256, size=(HEIGHT, WIDTH, 3)).astype(np.uint8)  # incompressible
    clean = png_bytes(noise, 2, 8)

    path = write("bad_empty.png", b"")
    record_error(path, "empty")

    idat = clean.index(b"IDAT")
    length = struct.unpack(">I", clean[idat - 4:idat])[0]
    path = write("bad_truncated.png", clean[: idat + 4 + length // 2])
    assert_pillow_refuses(path)
    record_error(path, "truncated", "cut in the middle of IDAT")

    path = write("bad_signature_only.png", clean[:5])
    assert_pillow_refuses(path)
    record_error(path, "truncated", "the first 5 bytes of the PNG signature")

    crc_offset = idat + 4 + length
    damaged = bytearray(clean)
    damaged[crc_offset] ^= 0xFF
    path = write("bad_idat_crc.png", bytes(damaged))
    # Pillow does not check IDAT CRCs and decodes this file; libpng (and `tl`) refuse it.
    record_error(path, "badCRC", "IDAT CRC flipped (Pillow does not check IDAT CRCs)")

    path = write("bad_not_an_image.png", b"This is a text file that only pretends to be a PNG.\n")
    assert_pillow_refuses(path)
    record_error(path, "notAnImage")

    # A header declaring 100000 x 100000 (10 gigapixels) and almost no data: refusing it must
    # not depend on decoding, or even on the data being there.
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
    bomb += chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    path = write("bad_bomb.png", bomb)
    assert_pillow_refuses(path)
    record_error(path, "tooLarge", "IHDR says 100000 x 100000")


# ---------------------------------------------------------------- JPEG

def jpeg(name, image, **params):
    return save_with_pillow(name, image, format="JPEG", **params)


def strip_app14(data):
    """Removes the Adobe APP14 segment, leaving a bare 4-component (CMYK) JPEG."""
    at = data.index(b"\xff\xee")
    length = struct.unpack(">H", data[at + 2:at + 4])[0]
    return data[:at] + data[at + 2 + length:]


def little_endian_exif(orientation):
    """IFD0 with the orientation alone; Pillow's own Exif writer is big-endian."""
    tiff = b"II\x2a\x00" + struct.pack("<I", 8) + struct.pack("<H", 1)
    tiff += struct.pack("<HHI", 0x0112, 3, 1) + struct.pack("<HH", orientation, 0) + struct.pack("<I", 0)
    return b"Exif\x00\x00" + tiff


def make_jpegs():
    rgb = gradient_rgb8()
    image = Image.fromarray(rgb)
    tolerance_note = "libjpeg-turbo vs Pillow's libjpeg-turbo"

    for name, params in [("jpeg_baseline_420.jpg", {"quality": 90}),
                         ("jpeg_baseline_422.jpg", {"quality": 90, "subsampling": 1}),
                         ("jpeg_baseline_444.jpg", {"quality": 90, "subsampling": 0}),
                         ("jpeg_progressive.jpg", {"quality": 85, "progressive": True}),
                         ("jpeg_restart_optimized.jpg", {"quality": 80, "optimize": True, "restart_marker_blocks": 1})]:
        path = jpeg(name, image, **params)
        record(path, pillow_rgb(path), tolerance=JPEG_TOLERANCE, note=tolerance_note)

    path = jpeg("jpeg_gray.jpg", image.convert("L"), quality=90)
    record(path, pillow_rgb(path), tolerance=JPEG_TOLERANCE, note=tolerance_note)

    # Pillow writes CMYK inverted (Adobe polarity) with an Adobe APP14 marker, and reads every
    # CMYK JPEG as inverted, marker or not.
    path = jpeg("jpeg_cmyk.jpg", image.convert("CMYK"), quality=90)
    with Image.open(path) as check:
        assert check.mode == "CMYK" and "adobe" in check.info
    record(path, pillow_rgb(path), tolerance=JPEG_TOLERANCE, note="Adobe CMYK, " + tolerance_note)
    path = write("jpeg_cmyk_no_adobe.jpg", strip_app14(path.read_bytes()))
    with Image.open(path) as check:
        assert check.mode == "CMYK" and "adobe" not in check.info
    record(path, pillow_rgb(path), tolerance=JPEG_TOLERANCE, note="CMYK without APP14, " + tolerance_note)

    def exif_byte_order(path):
        data = path.read_bytes()
        return data[data.index(b"Exif\x00\x00") + 6:][:2]

    for orientation in range(1, 9):
        path = jpeg(f"jpeg_exif_orientation{orientation}.jpg", image, quality=90,
                    exif=little_endian_exif(orientation))
        with Image.open(path) as check:
            assert check.getexif()[0x0112] == orientation and exif_byte_order(path) == b"II"
        record(path, pillow_rgb(path, transpose=True), tolerance=JPEG_TOLERANCE,
               note="little-endian Exif, after exif_transpose")
    for orientation in (6, 7):
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = jpeg(f"jpeg_exif_orientation{orientation}_big_endian.jpg", image, quality=90, exif=exif)
        assert exif_byte_order(path) == b"MM"
        record(path, pillow_rgb(path, transpose=True), tolerance=JPEG_TOLERANCE,
               note="big-endian Exif (Pillow's writer), after exif_transpose")


def make_bad_jpegs():
    noise = RNG.integers(0, 256, size=(HEIGHT, WIDTH, 3)).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="JPEG", quality=95)
    clean = buffer.getvalue()

    path = write("bad_truncated.jpg", clean[: len(clean) * 2 // 3])
    assert_pillow_refuses(path)
    record_error(path, "truncated", "cut inside the entropy-coded data")

    path = write("bad_missing_eoi.jpg", clean[:-2])
    assert_pillow_refuses(path)
    record_error(path, "truncated", "only the EOI marker missing; Pillow refuses it too")

    # A frame header (SOF0) whose length field is impossibly short.
    sof = clean.index(b"\xff\xc0")
    corrupt = bytearray(clean)
    corrupt[sof + 2:sof + 4] = struct.pack(">H", 3)
    path = write("bad_corrupt.jpg", bytes(corrupt))
    assert_pillow_refuses(path)
    record_error(path, "corrupt", "SOF0 length 3")

    # SOF0 declaring 60000 x 60000 (3.6 gigapixels).
    bomb = bytearray(clean)
    bomb[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)
    path = write("bad_bomb.jpg", bytes(bomb))
    assert_pillow_refuses(path)
    record_error(path, "tooLarge", "SOF says 60000 x 60000")


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    EXPECTED.mkdir(parents=True)
    make_pngs()
    make_bad_pngs()
    make_jpegs()
    make_bad_jpegs()
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"{len(manifest['images'])} images, {len(manifest['errors'])} bad files, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
