import Foundation

/// Small charts drawn on the server as SVG (no script): bars per unit and a monthly line.
enum SVGChart {
    /// Horizontal bars, one per label, each with its value written beside it.
    static func bars(_ data: [(label: String, value: Double)], unit: String, width: Int = 560) -> String {
        let rowHeight = 26
        let labelWidth = 190
        let height = max(data.count, 1) * rowHeight + 10
        let maximum = max(data.map(\.value).max() ?? 0, 1)
        let color = "#b3261e"
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" role="img" font-size="12" font-family="sans-serif">"#
        for (index, entry) in data.enumerated() {
            let y = index * rowHeight + 5
            let length = Double(width - labelWidth - 70) * entry.value / maximum
            svg += #"<text x="\#(labelWidth - 6)" y="\#(y + 16)" text-anchor="end">\#(escape(entry.label))</text>"#
            svg += #"<rect x="\#(labelWidth)" y="\#(y + 3)" width="\#(String(format: "%.1f", length))" height="\#(rowHeight - 8)" fill="\#(color)"/>"#
            svg += #"<text x="\#(labelWidth + Int(length) + 6)" y="\#(y + 16)">\#(format(entry.value))\#(escape(unit))</text>"#
        }
        return svg + "</svg>"
    }

    /// Lines over months, one per series, with a legend.
    static func lines(months: [String], series: [(name: String, color: String, values: [Int])], width: Int = 640, height: Int = 240) -> String {
        let (left, right, top, bottom) = (40, 20, 30, 40)
        let plotWidth = Double(width - left - right)
        let plotHeight = Double(height - top - bottom)
        let maximum = Double(max(series.flatMap(\.values).max() ?? 0, 1))
        let grey = "#999"
        let step = months.count > 1 ? plotWidth / Double(months.count - 1) : 0
        func x(_ index: Int) -> Double { Double(left) + (months.count > 1 ? step * Double(index) : plotWidth / 2) }
        func y(_ value: Int) -> Double { Double(top) + plotHeight * (1 - Double(value) / maximum) }
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" role="img" font-size="11" font-family="sans-serif">"#
        svg += #"<line x1="\#(left)" y1="\#(height - bottom)" x2="\#(width - right)" y2="\#(height - bottom)" stroke="\#(grey)"/>"#
        svg += #"<text x="\#(left - 6)" y="\#(top + 4)" text-anchor="end">\#(Int(maximum))</text><text x="\#(left - 6)" y="\#(height - bottom)" text-anchor="end">0</text>"#
        let labelEvery = max(1, months.count / 12)
        for (index, month) in months.enumerated() where index % labelEvery == 0 {
            svg += #"<text x="\#(String(format: "%.1f", x(index)))" y="\#(height - bottom + 16)" text-anchor="middle">\#(escape(month))</text>"#
        }
        for (number, line) in series.enumerated() {
            let points = line.values.enumerated().map { String(format: "%.1f,%.1f", x($0), y($1)) }.joined(separator: " ")
            svg += #"<polyline fill="none" stroke="\#(line.color)" stroke-width="2" points="\#(points)"/>"#
            for (index, value) in line.values.enumerated() {
                svg += #"<circle cx="\#(String(format: "%.1f", x(index)))" cy="\#(String(format: "%.1f", y(value)))" r="3" fill="\#(line.color)"/>"#
            }
            svg += #"<rect x="\#(left + number * 130)" y="8" width="12" height="12" fill="\#(line.color)"/><text x="\#(left + number * 130 + 16)" y="18">\#(escape(line.name))</text>"#
        }
        return svg + "</svg>"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
