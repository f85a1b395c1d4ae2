/// A panel of one line per task (accuracy against training progress), shared by the
/// accuracy-per-task figure and the within-task curve figure. Task j is drawn in colour,
/// dash and marker j, so lines stay apart in grey print.
struct TaskLinesPanel {
    struct Line {
        let task: Int
        /// Positions along the x axis (training stage or step).
        let x: [Double]
        let accuracy: [Double]
    }

    static let width = 230.0, height = 160.0

    /// The series this panel shows, and the seeds averaged.
    let label: String
    let seeds: [Int]
    let lines: [Line]
    /// The x interval shown.
    let xLow: Double, xHigh: Double
    let xTicks: [(Double, String)]
    let xTitle: String
    /// The name of the attribute listing each line's x values (`data-after`, `data-steps`).
    let xAttribute: String
    let markers: Bool

    /// Draws the panel with its plot area's top-left corner at (left, top).
    func draw(left: Double, top: Double, in svg: inout SVGDocument) {
        let y = LinearScale(low: 0, high: 1, step: 0.2, start: top + Self.height, end: top)
        let x = LinearScale(low: xLow, high: xHigh, step: max(1, xHigh - xLow), start: left, end: left + Self.width)
        svg.open("g", ["class": "panel", "data-strategy": label, "data-seeds": seeds.map(String.init).joined(separator: " "),
                       "data-axis-low": "0.000000", "data-axis-high": "1.000000", "data-pixel-low": SVGDocument.px(y.start),
                       "data-pixel-high": SVGDocument.px(y.end), "data-x-low": SVGDocument.value(x.low),
                       "data-x-high": SVGDocument.value(x.high), "data-x-pixel-low": SVGDocument.px(x.start),
                       "data-x-pixel-high": SVGDocument.px(x.end)])
        let seedText = seeds.count == 1 ? "seed \(seeds[0])" : "mean of \(seeds.count) seeds"
        svg.add("text", ["x": SVGDocument.px(left + Self.width / 2), "y": SVGDocument.px(top - 8), "text-anchor": "middle",
                         "font-size": "12", "font-weight": "bold"], text: "\(label) (\(seedText))")
        AxisDrawing.yAxis(y, left: left, right: left + Self.width, title: "accuracy (fraction)", in: &svg)
        AxisDrawing.xAxis(xTicks.map { (x($0.0), $0.1) }, bottom: top + Self.height, left: left, right: left + Self.width,
                          title: xTitle, in: &svg)
        for line in lines {
            let points = zip(line.x, line.accuracy).map { "\(SVGDocument.px(x($0))),\(SVGDocument.px(y($1)))" }
            svg.add("polyline", ["class": "task-line", "data-task": String(line.task),
                                 xAttribute: line.x.map { String(Int($0)) }.joined(separator: " "),
                                 "data-values": SVGDocument.values(line.accuracy), "points": points.joined(separator: " "),
                                 "fill": "none", "stroke": FigureStyle.line(line.task),
                                 "stroke-dasharray": FigureStyle.dash(line.task), "stroke-width": "1.6"])
            guard markers else { continue }
            for (position, value) in zip(line.x, line.accuracy) {
                svg.add("path", ["class": "point", "data-task": String(line.task), "data-x": String(Int(position)),
                                 "data-value": SVGDocument.value(value),
                                 "d": FigureStyle.marker(FigureStyle.lineMarker(line.task), x: x(position), y: y(value), size: 6),
                                 "fill": FigureStyle.line(line.task), "stroke": "#000000", "stroke-width": "0.5"])
            }
        }
        svg.close()
    }

    /// Ticks at every stage for up to 10, else at a nice step.
    static func ticks(upTo last: Int) -> [(Double, String)] {
        let step = last < 10 ? 1 : Int(LinearScale.niceStep(Double(last) / 6))
        return stride(from: 0, through: last, by: max(1, step)).map { (Double($0), String($0)) }
    }
}

/// The key of a task-lines figure: line sample and marker of every task.
struct TaskLegend {
    let tasks: Int
    let width: Double
    private static let entryWidth = 78.0, rowHeight = 16.0

    private var perRow: Int { max(1, Int(width / Self.entryWidth)) }
    var height: Double { Double((tasks + perRow - 1) / perRow) * Self.rowHeight + 6 }

    func draw(left: Double, top: Double, markers: Bool, in svg: inout SVGDocument) {
        svg.open("g", ["class": "legend", "font-size": "10"])
        for j in 0..<tasks {
            let x = left + Double(j % perRow) * Self.entryWidth
            let y = top + Double(j / perRow) * Self.rowHeight
            svg.add("line", ["x1": SVGDocument.px(x), "y1": SVGDocument.px(y - 4), "x2": SVGDocument.px(x + 22),
                             "y2": SVGDocument.px(y - 4), "stroke": FigureStyle.line(j),
                             "stroke-dasharray": FigureStyle.dash(j), "stroke-width": "1.6"])
            if markers {
                svg.add("path", ["d": FigureStyle.marker(FigureStyle.lineMarker(j), x: x + 11, y: y - 4, size: 6), "fill": FigureStyle.line(j),
                                 "stroke": "#000000", "stroke-width": "0.5"])
            }
            svg.add("text", ["x": SVGDocument.px(x + 27), "y": SVGDocument.px(y)], text: "task \(j)")
        }
        svg.close()
    }
}
