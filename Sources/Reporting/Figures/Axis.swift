import Foundation

/// A linear map from data values to pixels, with "nice" tick marks (1, 2 or 5 × 10ᵏ apart).
struct LinearScale {
    /// The data interval shown, widened to whole ticks.
    let low: Double, high: Double
    /// The pixels that `low` and `high` map to (for a y axis `start` is the bottom).
    let start: Double, end: Double
    let ticks: [Double]
    /// Decimals that tell the ticks apart.
    let decimals: Int

    /// A scale covering every value of `values` (NaN ignored) and `including`, widened to
    /// ticks about `tickCount` apart. A range of zero width is widened by ±0.05.
    init(covering values: [Double], including: [Double] = [], start: Double, end: Double, tickCount: Int = 5) {
        let finite = (values + including).filter(\.isFinite)
        var low = finite.min() ?? 0
        var high = finite.max() ?? 1
        if high - low < 1e-12 {
            low -= 0.05
            high += 0.05
        }
        let step = Self.niceStep((high - low) / Double(max(1, tickCount - 1)))
        low = (low / step + 1e-9).rounded(.down) * step  // a value on a tick is not widened past it
        high = (high / step - 1e-9).rounded(.up) * step
        self.init(low: low, high: high, step: step, start: start, end: end)
    }

    /// A scale over exactly [low, high] with ticks `step` apart.
    init(low: Double, high: Double, step: Double, start: Double, end: Double) {
        self.low = low
        self.high = high
        self.start = start
        self.end = end
        let count = Int(((high - low) / step).rounded())
        ticks = (0...count).map { low + Double($0) * step }
        decimals = LinearScale.decimals(step)
    }

    func callAsFunction(_ value: Double) -> Double {
        start + (value - low) / (high - low) * (end - start)
    }

    func label(_ tick: Double) -> String { NumberFormat.fixed(tick, decimals) }

    /// Powers of ten as literals, so that no figure depends on the platform's log10 and pow.
    private static let powersOfTen: [Double] = (-15...15).map { Double("1e\($0)")! }

    /// The digits after the point that show a multiple of `step` (1, 2 or 5 × 10ᵏ) exactly.
    static func decimals(_ step: Double) -> Int {
        for d in 0..<15 {
            let scaled = step * powersOfTen[15 + d]
            if abs(scaled - scaled.rounded()) <= 1e-9 * scaled { return d }
        }
        return 15
    }

    /// 1, 2 or 5 × 10ᵏ, the smallest at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = powersOfTen.last { $0 <= raw } ?? powersOfTen[0]  // 10^⌊log10 raw⌋
        for factor in [1.0, 2, 5, 10] where factor * magnitude >= raw * (1 - 1e-9) { return factor * magnitude }
        return 10 * magnitude
    }
}

/// Axis drawing shared by the figures.
enum AxisDrawing {
    /// A left y axis at x = `left` with gridlines across to `right`, tick labels and a title.
    static func yAxis(_ scale: LinearScale, left: Double, right: Double, title: String, in svg: inout SVGDocument) {
        svg.open("g", ["class": "y-axis", "font-size": "10"])
        for tick in scale.ticks {
            let y = scale(tick)
            svg.add(
                "line",
                [
                    "x1": SVGDocument.px(left), "y1": SVGDocument.px(y), "x2": SVGDocument.px(right),
                    "y2": SVGDocument.px(y), "stroke": abs(tick) < 1e-12 ? "#555555" : "#dddddd",
                    "stroke-width": abs(tick) < 1e-12 ? "1" : "0.6",
                ])
            svg.add(
                "text", ["x": SVGDocument.px(left - 4), "y": SVGDocument.px(y + 3.5), "text-anchor": "end"],
                text: scale.label(tick))
        }
        svg.add(
            "line",
            [
                "x1": SVGDocument.px(left), "y1": SVGDocument.px(scale.start), "x2": SVGDocument.px(left),
                "y2": SVGDocument.px(scale.end), "stroke": "#000000", "stroke-width": "1",
            ])
        let middle = (scale.start + scale.end) / 2
        svg.add(
            "text",
            [
                "x": SVGDocument.px(left - 36), "y": SVGDocument.px(middle), "text-anchor": "middle",
                "transform": "rotate(-90 \(SVGDocument.px(left - 36)) \(SVGDocument.px(middle)))",
                "font-size": "11",
            ], text: title)
        svg.close()
    }

    /// How far below the axis labels turned by 35° reach (10-pixel text is about 6 pixels a character).
    static func rotatedLabelDepth(_ labels: [String]) -> Double {
        14 + 6 * Double(labels.map(\.count).max() ?? 0) * 0.574
    }

    /// Tick labels under a bottom axis at y = `bottom`: (x, label) pairs, an axis title
    /// below them, and the axis line from `left` to `right`.
    static func xAxis(
        _ ticks: [(Double, String)], bottom: Double, left: Double, right: Double, title: String,
        rotated: Bool = false, in svg: inout SVGDocument
    ) {
        svg.open("g", ["class": "x-axis", "font-size": "10"])
        svg.add(
            "line",
            [
                "x1": SVGDocument.px(left), "y1": SVGDocument.px(bottom), "x2": SVGDocument.px(right),
                "y2": SVGDocument.px(bottom), "stroke": "#000000", "stroke-width": "1",
            ])
        for (x, label) in ticks {
            svg.add(
                "line",
                [
                    "x1": SVGDocument.px(x), "y1": SVGDocument.px(bottom), "x2": SVGDocument.px(x),
                    "y2": SVGDocument.px(bottom + 3), "stroke": "#000000", "stroke-width": "1",
                ])
            if rotated {
                let y = bottom + 12
                svg.add(
                    "text",
                    [
                        "x": SVGDocument.px(x), "y": SVGDocument.px(y), "text-anchor": "end",
                        "transform": "rotate(-35 \(SVGDocument.px(x)) \(SVGDocument.px(y)))",
                    ], text: label)
            } else {
                svg.add(
                    "text", ["x": SVGDocument.px(x), "y": SVGDocument.px(bottom + 14), "text-anchor": "middle"],
                    text: label)
            }
        }
        let depth = rotated ? rotatedLabelDepth(ticks.map(\.1)) : 16
        svg.add(
            "text",
            [
                "x": SVGDocument.px((left + right) / 2), "y": SVGDocument.px(bottom + depth + 14),
                "text-anchor": "middle", "font-size": "11",
            ], text: title)
        svg.close()
    }
}
