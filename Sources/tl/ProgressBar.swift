import Foundation

/// A progress bar on stderr: items done, rate, ETA. When stderr is not a terminal,
/// or with --quiet, it prints nothing while running (callers print one line per stage).
final class ProgressBar {
    private let label: String
    private let total: Int
    private let unit: String
    private let enabled: Bool
    private let quiet: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private(set) var done = 0

    init(_ label: String, total: Int, unit: String = "images", quiet: Bool) {
        self.label = label
        self.total = total
        self.unit = unit
        enabled = !quiet && isatty(STDERR_FILENO) != 0
        self.quiet = quiet
    }

    func advance(by count: Int = 1) {
        done += count
        guard enabled else { return }
        let now = Date()
        if now.timeIntervalSince(lastDraw) < 0.1 && done < total { return }
        lastDraw = now
        draw(now: now)
    }

    func finish() {
        guard enabled else {
            // Without a terminal, one line per stage instead of a bar.
            if !quiet && done > 0 {
                let elapsed = max(Date().timeIntervalSince(started), 1e-9)
                let line = String(format: "%@: %d %@ in %@ (%.1f/s)\n", label, done, unit, formatDuration(elapsed), Double(done) / elapsed)
                FileHandle.standardError.write(Data(line.utf8))
            }
            return
        }
        draw(now: Date())
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(now: Date) {
        let elapsed = max(now.timeIntervalSince(started), 1e-9)
        let rate = Double(done) / elapsed
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let width = 28
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "\r%@ %@ %d/%d %@  %.1f/s  ETA %@ ", label, bar, done, total, unit, rate, formatDuration(remaining))
        FileHandle.standardError.write(Data(line.utf8))
    }
}

func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let total = Int(seconds.rounded())
    if total >= 3600 { return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60) }
    if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
    return "\(total)s"
}
