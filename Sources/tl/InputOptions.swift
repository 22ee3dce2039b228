import ArgumentParser
import Imaging

/// How image files become network inputs: geometry, bad files, the decompression-bomb
/// limit and transparency. Shared by every command that reads images.
struct InputOptionGroup: ParsableArguments {
    @Option(name: .long, help: "center-crop (default), squash (as Keras's image_dataset_from_directory) or letterbox.")
    var resize = "center-crop"

    @Flag(name: .long, help: "Stop at the first unreadable image instead of skipping it.")
    var strict = false

    @Option(name: .long, help: ArgumentHelp("Refuse images with more pixels than this (decompression bombs); raise it for trusted whole-slide exports.", valueName: "n"))
    var maxPixels = ImageDecoder.Options.defaultMaxPixels

    @Option(name: .long, help: ArgumentHelp("Composite transparent images on this colour (white, black, #rrggbb or r,g,b) instead of dropping the alpha channel as Pillow's convert('RGB') does.", valueName: "colour"))
    var background: String?

    func validate() throws {
        guard ResizeMode(parsing: resize) != nil else {
            throw ValidationError("--resize \(resize): use center-crop, squash or letterbox")
        }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        if let background, RGBColor(parsing: background) == nil {
            throw ValidationError("--background \(background): use white, black, #rrggbb or r,g,b")
        }
    }

    var resizeMode: ResizeMode { ResizeMode(parsing: resize)! }

    var decoder: ImageDecoder {
        let alpha: ImageDecoder.AlphaHandling = background.flatMap(RGBColor.init(parsing:)).map { .composite(over: $0) } ?? .drop
        return ImageDecoder(options: ImageDecoder.Options(maxPixels: maxPixels, alpha: alpha))
    }
}
