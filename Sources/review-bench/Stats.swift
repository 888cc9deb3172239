import Foundation
import Histogram

/// Latency samples in microseconds, summarised by HdrHistogram.
struct Latencies {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)

    mutating func record(microseconds: Double) {
        _ = histogram.record(UInt64(Swift.max(1, microseconds.rounded())))
    }

    var count: Int { Int(histogram.totalCount) }
    var p50: Double { Double(histogram.valueAtPercentile(50)) / 1000 }
    var p99: Double { Double(histogram.valueAtPercentile(99)) / 1000 }
    var max: Double { Double(histogram.max) / 1000 }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Resident set size of a process, in MB (from /proc/PID/status).
func residentMegabytes(pid: Int32, field: String = "VmRSS") -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
    else { return nil }
    let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Double($0) }
    return kilobytes.map { $0 / 1024 }
}

/// A progress line on standard error (unbuffered), so that it shows while the run goes on.
func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
