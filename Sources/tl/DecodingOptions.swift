import ArgumentParser
import Imaging

/// How images are decoded: the decompression-bomb limit and what happens to transparency.
struct DecodingOptionGroup: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Refuse images with more pixels than this (decompression bombs); raise it for trusted whole-slide exports.", valueName: "n"))
    var maxPixels = ImageDecoder.Options.defaultMaxPixels

    @Option(name: .long, help: ArgumentHelp("Composite transparent images on this colour (white, black, #rrggbb or r,g,b) instead of dropping the alpha channel as Pillow's convert('RGB') does.", valueName: "colour"))
    var background: String?

    func validate() throws {
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        if let background, RGBColor(parsing: background) == nil {
            throw ValidationError("--background \(background): use white, black, #rrggbb or r,g,b")
        }
    }

    var decoder: ImageDecoder {
        let alpha: ImageDecoder.AlphaHandling = background.flatMap(RGBColor.init(parsing:)).map { .composite(over: $0) } ?? .drop
        return ImageDecoder(options: ImageDecoder.Options(maxPixels: maxPixels, alpha: alpha))
    }
}
