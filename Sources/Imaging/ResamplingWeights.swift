/// The weights of one axis of a separable resize: for each output sample, a run of
/// consecutive source samples and one weight each.
///
/// The geometry is Pillow's (`Image.resize` with a `box`), re-derived so float results agree
/// with it: source pixel `i` covers [i, i + 1) and has its centre at i + 0.5; output sample `o`
/// looks at the source point `c = start + (o + 0.5) × scale`, where `scale = (end − start) / outputs`.
/// When shrinking with antialiasing, the kernel is stretched by `scale`, so every source pixel
/// contributes (a box-like average over the footprint) instead of the two or four nearest ones.
/// Taps that fall outside the image are dropped and the remaining weights renormalized to sum
/// to 1, which is how both Pillow and TensorFlow's `keys cubic` treat the borders.
struct ResamplingWeights {
    /// First source index of each output sample's run.
    private(set) var firstSource: [Int]
    /// Number of source samples in each run (may be less than `stride` near the borders).
    private(set) var tapCount: [Int]
    /// `weights[o × stride + k]` multiplies source sample `firstSource[o] + k`.
    private(set) var weights: [Float]
    /// Room reserved per output sample, the largest run any output can have.
    let stride: Int

    /// - Parameters:
    ///   - inputCount: Source samples along this axis.
    ///   - start, end: The source interval mapped onto the outputs, in pixel-edge coordinates
    ///     (0 and `inputCount` for the whole image; Pillow's `box`).
    ///   - outputCount: Output samples along this axis.
    ///   - antialias: Stretch the kernel when shrinking. Without it the kernel keeps its
    ///     natural width, which is plain interpolation between the nearest source pixels with
    ///     half-pixel centres, as `tf.image.resize(..., antialias=False)` computes.
    init(inputCount: Int, start: Double, end: Double, outputCount: Int, filter: ResizeFilter, antialias: Bool) {
        precondition(inputCount > 0 && outputCount > 0, "cannot resample \(inputCount) samples to \(outputCount)")
        let scale = (end - start) / Double(outputCount)
        let kernelScale = antialias ? max(scale, 1) : 1
        let support = filter.support * kernelScale
        stride = Int(support.rounded(.up)) * 2 + 1

        var firstSource = [Int](repeating: 0, count: outputCount)
        var tapCount = [Int](repeating: 0, count: outputCount)
        var weights = [Float](repeating: 0, count: outputCount * stride)
        var run = [Double](repeating: 0, count: stride)
        for output in 0..<outputCount {
            let centre = start + (Double(output) + 0.5) * scale
            // The run is every pixel whose centre lies within `support` of `centre`, rounded the
            // way Pillow rounds (truncating after adding 0.5), then clipped to the image.
            let first = max(Int(centre - support + 0.5), 0)
            let end = min(Int(centre + support + 0.5), inputCount)
            let count = max(min(end - first, stride), 0)
            var total = 0.0
            for k in 0..<count {
                let w = filter.weight(at: (Double(first + k) + 0.5 - centre) / kernelScale)
                run[k] = w
                total += w
            }
            // Normalizing in double and rounding once to float keeps the float result within
            // float rounding of Pillow's all-double computation in mode "F".
            for k in 0..<count {
                weights[output * stride + k] = Float(total != 0 ? run[k] / total : run[k])
            }
            firstSource[output] = first
            tapCount[output] = count
        }
        self.firstSource = firstSource
        self.tapCount = tapCount
        self.weights = weights
    }

    /// The source samples that the outputs in `outputs` read, as a half-open range.
    func sourceRange(of outputs: Range<Int>) -> Range<Int> {
        var low = Int.max, high = Int.min
        for o in outputs where tapCount[o] > 0 {
            low = min(low, firstSource[o])
            high = max(high, firstSource[o] + tapCount[o])
        }
        return low <= high ? low..<high : 0..<0
    }
}
