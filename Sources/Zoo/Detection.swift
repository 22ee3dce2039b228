extension Architecture {
    /// Tells the architecture of a weights-only file from the names of its layers with
    /// weights (as stored in `layer_names`), and whether it includes the ImageNet classifier.
    public static func detect(layerNames: [String]) -> (architecture: Architecture, includeTop: Bool)? {
        detectMobile(layerNames: layerNames) ?? detectClassic(layerNames: layerNames)
    }
}
