import Foundation

/// The random changes made to training images, chosen by name on the command line:
/// `--augment flip,rot90,crop`. Each is drawn afresh per image and per epoch (see `Augmenter`).
public struct Augmentation: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Mirror left to right with probability 1/2.
    public static let horizontalFlip = Augmentation(rawValue: 1 << 0)
    /// Mirror top to bottom with probability 1/2 (sensible for micrographs, not for photographs).
    public static let verticalFlip = Augmentation(rawValue: 1 << 1)
    /// Turn by 0, 90, 180 or 270 degrees, equally likely (only 0 or 180 for non-square inputs).
    public static let rotate90 = Augmentation(rawValue: 1 << 2)
    /// torchvision's RandomResizedCrop: a random part of the image (area and aspect ratio drawn
    /// from `AugmentationSettings`), resized to the input size; replaces the resize mode.
    public static let randomResizedCrop = Augmentation(rawValue: 1 << 3)
    /// Turn by a small random angle, bilinear, with the corners filled per `AugmentationSettings`.
    public static let rotation = Augmentation(rawValue: 1 << 4)
    public static let brightness = Augmentation(rawValue: 1 << 5)
    public static let contrast = Augmentation(rawValue: 1 << 6)
    public static let saturation = Augmentation(rawValue: 1 << 7)
    public static let colorJitter: Augmentation = [.brightness, .contrast, .saturation]

    /// Canonical names first; the rest are accepted aliases.
    static let names: [(name: String, value: Augmentation)] = [
        ("flip", .horizontalFlip), ("vflip", .verticalFlip), ("rot90", .rotate90), ("crop", .randomResizedCrop),
        ("rotate", .rotation), ("brightness", .brightness), ("contrast", .contrast), ("saturation", .saturation),
        ("color", .colorJitter),
        ("hflip", .horizontalFlip), ("horizontal-flip", .horizontalFlip), ("vertical-flip", .verticalFlip),
        ("random-crop", .randomResizedCrop), ("random-resized-crop", .randomResizedCrop),
        ("rotation", .rotation), ("jitter", .colorJitter), ("color-jitter", .colorJitter), ("none", []),
    ]

    /// The names `init(parsing:)` accepts, for help texts.
    public static var acceptedNames: [String] { names.map(\.name) }

    /// Parses a comma-separated list such as `flip,rot90,crop` (case-insensitive, `_` or `-`).
    public init(parsing text: String) throws {
        var result: Augmentation = []
        for piece in text.split(separator: ",") {
            let name = piece.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "-")
            if name.isEmpty { continue }
            guard let match = Self.names.first(where: { $0.name == name }) else {
                throw AugmentationError.unknownName(name)
            }
            result.formUnion(match.value)
        }
        self = result
    }

    /// Canonical names, comma-separated; "none" when empty. Parses back to the same set.
    public var description: String {
        if isEmpty { return "none" }
        var parts = Self.names.prefix(8).filter { contains($0.value) }.map(\.name)
        if isSuperset(of: .colorJitter) {
            parts.removeAll { ["brightness", "contrast", "saturation"].contains($0) }
            parts.append("color")
        }
        return parts.joined(separator: ",")
    }
}

public enum AugmentationError: LocalizedError, Equatable {
    case unknownName(String)

    public var errorDescription: String? {
        switch self {
        case .unknownName(let name):
            let known = Augmentation.names.map(\.name).joined(separator: ", ")
            return "unknown augmentation '\(name)'; expected a comma-separated list of: \(known)"
        }
    }
}
