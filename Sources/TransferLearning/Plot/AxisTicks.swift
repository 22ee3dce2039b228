import Foundation

/// Evenly spaced, round axis ticks (steps of 1, 2, 2.5 or 5 × 10ⁿ) covering a data range,
/// so that labels read "0.2 0.4 0.6" rather than "0.173 0.346 0.519".
struct AxisTicks: Equatable {
    /// The axis range, widened to whole steps around the data.
    let lower: Double
    let upper: Double
    let step: Double

    /// - Parameter targetCount: about how many intervals to aim for.
    init(covering low: Double, _ high: Double, targetCount: Int = 5) {
        var low = low, high = high
        if !(low.isFinite && high.isFinite) { (low, high) = (0, 1) }
        if low > high { swap(&low, &high) }
        if high - low < 1e-12 * max(abs(low), 1) {
            // A flat series still gets an axis: widen symmetrically around its value.
            let pad = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - pad, high + pad)
        }
        let rough = (high - low) / Double(max(targetCount, 1))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough * (1 - 1e-9) } ?? 10 * magnitude
        self.step = step
        lower = (low / step + 1e-9).rounded(.down) * step
        upper = (high / step - 1e-9).rounded(.up) * step
    }

    init(lower: Double, upper: Double, step: Double) {
        self.lower = lower
        self.upper = upper
        self.step = step
    }

    var values: [Double] {
        let count = Int(((upper - lower) / step).rounded())
        return (0...count).map { lower + Double($0) * step }
    }

    /// Enough decimals to tell neighbouring ticks apart, and no more.
    func label(_ value: Double, percent: Bool = false) -> String {
        let scaled = percent ? value * 100 : value
        let scaledStep = percent ? step * 100 : step
        var decimals = 0
        while decimals < 6 && abs(scaledStep * pow(10, Double(decimals)) - (scaledStep * pow(10, Double(decimals))).rounded()) > 1e-6 {
            decimals += 1
        }
        let text = String(format: "%.\(decimals)f", abs(scaled) < scaledStep * 1e-9 ? 0 : scaled)
        return percent ? text + "%" : text
    }
}
