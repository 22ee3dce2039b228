/// How an image of any shape becomes the network's `width × height` input.
public enum ResizeMode: Sendable, Equatable, CustomStringConvertible {
    /// Scale so the image covers the target (its shorter side, for a square target), then cut
    /// the middle out, with offsets `(resized − target) / 2` rounded down. Keeps proportions
    /// and drops the borders; the usual choice for evaluating ImageNet-style models.
    case centerCrop
    /// Scale each axis independently to the target, distorting proportions. This is what
    /// Keras's `image_dataset_from_directory` and `load_img(target_size=...)` do by default.
    case squash
    /// Pad the shorter axis with `fill` to the target's proportions (the image centred, offsets
    /// rounded down), then scale. Keeps everything in the picture, at the cost of bars.
    case letterbox(fill: RGBColor)

    /// Accepts `center-crop` (also `centercrop`, `center_crop`, `crop`), `squash` (`stretch`)
    /// and `letterbox` (`pad`), the last with a black fill.
    public init?(parsing text: String) {
        switch text.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "center-crop", "centercrop", "centre-crop", "crop": self = .centerCrop
        case "squash", "stretch": self = .squash
        case "letterbox", "pad": self = .letterbox(fill: .black)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .centerCrop: return "center-crop"
        case .squash: return "squash"
        case .letterbox(let fill): return "letterbox (fill \(fill))"
        }
    }
}

/// Where `ResizeMode` takes its pixels from: the whole image is scaled to `scaledWidth ×
/// scaledHeight` and the target is the window at (`cropX`, `cropY`) of that.
struct CenterCropGeometry: Equatable {
    let scaledWidth: Int
    let scaledHeight: Int
    let cropX: Int
    let cropY: Int

    /// The scaled size keeps the aspect ratio, truncated like torchvision's `Resize(int)`, with
    /// the binding axis exactly at the target; decided in integers so that no rounding can
    /// leave it a pixel short.
    init(sourceWidth w: Int, sourceHeight h: Int, targetWidth tw: Int, targetHeight th: Int) {
        if tw * h >= th * w {
            // Width binds (the source is relatively taller): width → tw, height follows.
            scaledWidth = tw
            scaledHeight = max(th, tw * h / w)
        } else {
            scaledHeight = th
            scaledWidth = max(tw, th * w / h)
        }
        cropX = (scaledWidth - tw) / 2
        cropY = (scaledHeight - th) / 2
    }
}

/// The canvas `ResizeMode.letterbox` pads to before scaling: the target's proportions, just
/// large enough to hold the image, which sits at (`x`, `y`).
struct LetterboxGeometry: Equatable {
    let canvasWidth: Int
    let canvasHeight: Int
    let x: Int
    let y: Int

    init(sourceWidth w: Int, sourceHeight h: Int, targetWidth tw: Int, targetHeight th: Int) {
        if w * th >= h * tw {
            // Relatively wide: keep the width, pad the height (rounded up so the image fits).
            canvasWidth = w
            canvasHeight = max(h, (w * th + tw - 1) / tw)
        } else {
            canvasHeight = h
            canvasWidth = max(w, (h * tw + th - 1) / th)
        }
        x = (canvasWidth - w) / 2
        y = (canvasHeight - h) / 2
    }
}

extension Image {
    /// The image brought to `width × height` by `mode`.
    public func fitted(width: Int, height: Int, mode: ResizeMode,
                       filter: ResizeFilter = .bilinear, antialias: Bool = true) -> Image {
        switch mode {
        case .squash:
            return resized(width: width, height: height, filter: filter, antialias: antialias)
        case .centerCrop:
            let geometry = CenterCropGeometry(sourceWidth: self.width, sourceHeight: self.height,
                                              targetWidth: width, targetHeight: height)
            // Only the kept window is computed; the result equals resizing then cropping.
            return resampled(to: (geometry.scaledWidth, geometry.scaledHeight),
                             from: PixelRect(x: 0, y: 0, width: self.width, height: self.height),
                             columns: geometry.cropX..<(geometry.cropX + width),
                             rows: geometry.cropY..<(geometry.cropY + height),
                             filter: filter, antialias: antialias)
        case .letterbox(let fill):
            let geometry = LetterboxGeometry(sourceWidth: self.width, sourceHeight: self.height,
                                             targetWidth: width, targetHeight: height)
            let canvas = padded(width: geometry.canvasWidth, height: geometry.canvasHeight,
                                x: geometry.x, y: geometry.y, fill: fill)
            return canvas.resized(width: width, height: height, filter: filter, antialias: antialias)
        }
    }
}
