/// A panel of lines of accuracy against training progress, shared by the line figures: one
/// line per task (accuracy per task, within-task curves) or one per strategy (average accuracy,
/// first task). Line k is drawn in colour, dash and marker `style`, so lines stay apart in grey
/// print; a line averaged over seeds may carry its ± sample-std band.
struct LinesPanel {
    struct Line {
        /// The colour, dash and marker index: the task, or the strategy's series style.
        let style: Int
        /// The attribute that names the line: ("data-task", "2") or ("data-strategy", "gem").
        let key: (name: String, value: String)
        /// Positions along the x axis (training stage or step).
        let x: [Double]
        let accuracy: [Double]
        /// ± sample std over seeds at each x, drawn as a band; nil for one seed.
        var std: [Double]? = nil

        /// The line of task j.
        init(task: Int, x: [Double], accuracy: [Double]) {
            self.init(style: task, key: ("data-task", String(task)), x: x, accuracy: accuracy)
        }

        init(style: Int, key: (name: String, value: String), x: [Double], accuracy: [Double], std: [Double]? = nil) {
            self.style = style
            self.key = key
            self.x = x
            self.accuracy = accuracy
            self.std = std
        }
    }

    /// The panel's size in pixels (its plot area).
    var width = 230.0, height = 160.0
    /// The attribute that names the panel: ("data-strategy", label) or ("data-experiment", name).
    let key: (name: String, value: String)
    /// The panel's heading.
    let heading: String
    let seeds: [Int]
    let lines: [Line]
    /// The x interval shown.
    let xLow: Double, xHigh: Double
    let xTicks: [(Double, String)]
    let xTitle: String
    /// The name of the attribute listing each line's x values (`data-after`, `data-steps`).
    let xAttribute: String
    let markers: Bool
    /// The class of each line (`task-line`, `strategy-line`).
    var lineClass = "task-line"
    /// The y axis covers 0 to 1 when false, else the lines and their bands (within 0 to 1).
    var fitsY = false
    /// Positions along x marked by a thin vertical line (where a new task's training begins).
    var xMarks: [Double] = []

    /// The panel of one series: its label, then the seeds averaged.
    init(
        label: String, seeds: [Int], lines: [Line], xLow: Double, xHigh: Double, xTicks: [(Double, String)],
        xTitle: String, xAttribute: String, markers: Bool
    ) {
        let seedText = seeds.count == 1 ? "seed \(seeds[0])" : "mean of \(seeds.count) seeds"
        self.init(
            key: ("data-strategy", label), heading: "\(label) (\(seedText))", seeds: seeds, lines: lines, xLow: xLow,
            xHigh: xHigh, xTicks: xTicks, xTitle: xTitle, xAttribute: xAttribute, markers: markers)
    }

    init(
        key: (name: String, value: String), heading: String, seeds: [Int], lines: [Line], xLow: Double, xHigh: Double,
        xTicks: [(Double, String)], xTitle: String, xAttribute: String, markers: Bool
    ) {
        self.key = key
        self.heading = heading
        self.seeds = seeds
        self.lines = lines
        self.xLow = xLow
        self.xHigh = xHigh
        self.xTicks = xTicks
        self.xTitle = xTitle
        self.xAttribute = xAttribute
        self.markers = markers
    }

    /// The y axis: 0 to 1, or (`fitsY`) nice ticks around the lines and their bands.
    private func yScale(top: Double) -> LinearScale {
        guard fitsY else { return LinearScale(low: 0, high: 1, step: 0.2, start: top + height, end: top) }
        var values: [Double] = []
        for line in lines {
            let std = line.std ?? line.accuracy.map { _ in 0 }
            for (value, s) in zip(line.accuracy, std) { values += [max(0, value - s), min(1, value + s)] }
        }
        // at least 0.1 wide and within [0, 1], so that lines all at 1.0 sit on the top edge
        let high = values.max() ?? 1
        let low = min(values.min() ?? 0, max(0, high - 0.1))
        return LinearScale(covering: [low, max(high, min(1, low + 0.1))], start: top + height, end: top)
    }

    /// Draws the panel with its plot area's top-left corner at (left, top).
    func draw(left: Double, top: Double, in svg: inout SVGDocument) {
        let y = yScale(top: top)
        let x = LinearScale(low: xLow, high: xHigh, step: max(1, xHigh - xLow), start: left, end: left + width)
        svg.open(
            "g",
            [
                "class": "panel", key.name: key.value, "data-seeds": seeds.map(String.init).joined(separator: " "),
                "data-axis-low": SVGDocument.value(y.low), "data-axis-high": SVGDocument.value(y.high),
                "data-pixel-low": SVGDocument.px(y.start), "data-pixel-high": SVGDocument.px(y.end),
                "data-x-low": SVGDocument.value(x.low), "data-x-high": SVGDocument.value(x.high),
                "data-x-pixel-low": SVGDocument.px(x.start), "data-x-pixel-high": SVGDocument.px(x.end),
            ])
        svg.add(
            "text",
            [
                "x": SVGDocument.px(left + width / 2), "y": SVGDocument.px(top - 8), "text-anchor": "middle",
                "font-size": "12", "font-weight": "bold",
            ], text: heading)
        AxisDrawing.yAxis(y, left: left, right: left + width, title: "accuracy (fraction)", in: &svg)
        AxisDrawing.xAxis(
            xTicks.map { (x($0.0), $0.1) }, bottom: top + height, left: left, right: left + width,
            title: xTitle, in: &svg)
        for mark in xMarks where mark > x.low && mark < x.high {
            svg.add(
                "line",
                [
                    "class": "task-boundary", "data-x": String(Int(mark)), "x1": SVGDocument.px(x(mark)),
                    "y1": SVGDocument.px(y.start), "x2": SVGDocument.px(x(mark)), "y2": SVGDocument.px(y.end),
                    "stroke": "#888888", "stroke-width": "0.8", "stroke-dasharray": "3 3",
                ])
        }
        // bands next, under every line
        for line in lines {
            guard let std = line.std else { continue }
            let clip = { (v: Double) in SVGDocument.px(y(min(y.high, max(y.low, v)))) }
            let upper = zip(line.x, zip(line.accuracy, std)).map { "\(SVGDocument.px(x($0))),\(clip($1.0 + $1.1))" }
            let lower = zip(line.x, zip(line.accuracy, std)).reversed().map {
                "\(SVGDocument.px(x($0))),\(clip($1.0 - $1.1))"
            }
            svg.add(
                "polygon",
                [
                    "class": "band", line.key.name: line.key.value, "points": (upper + lower).joined(separator: " "),
                    "fill": FigureStyle.line(line.style), "fill-opacity": "0.12", "stroke": "none",
                ])
        }
        for line in lines {
            let points = zip(line.x, line.accuracy).map { "\(SVGDocument.px(x($0))),\(SVGDocument.px(y($1)))" }
            svg.add(
                "polyline",
                [
                    "class": lineClass, line.key.name: line.key.value,
                    xAttribute: line.x.map { String(Int($0)) }.joined(separator: " "),
                    "data-values": SVGDocument.values(line.accuracy),
                    "data-std": line.std.map(SVGDocument.values) ?? "", "points": points.joined(separator: " "),
                    "fill": "none", "stroke": FigureStyle.line(line.style),
                    "stroke-dasharray": FigureStyle.dash(line.style), "stroke-width": "1.6",
                ])
            guard markers else { continue }
            for (position, value) in zip(line.x, line.accuracy) {
                svg.add(
                    "path",
                    [
                        "class": "point", line.key.name: line.key.value, "data-x": String(Int(position)),
                        "data-value": SVGDocument.value(value),
                        "d": FigureStyle.marker(
                            FigureStyle.lineMarker(line.style), x: x(position), y: y(value), size: 6),
                        "fill": FigureStyle.line(line.style), "stroke": "#000000", "stroke-width": "0.5",
                    ])
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

/// The key of a line figure: line sample, marker and name of every line style.
struct LineLegend {
    /// (style, name), e.g. (2, "task 2") or (0, "gem").
    let entries: [(style: Int, name: String)]
    let width: Double
    private static let rowHeight = 16.0

    /// Room for the longest name (10-pixel text, about 6 pixels a character), at least 78 pixels.
    private var entryWidth: Double { max(78, 36 + 6 * Double(entries.map(\.name.count).max() ?? 0)) }
    private var perRow: Int { max(1, Int(width / entryWidth)) }
    var height: Double { Double((entries.count + perRow - 1) / perRow) * Self.rowHeight + 6 }

    /// The entries of one line per task, "task 0" to "task T-1".
    static func tasks(_ count: Int) -> [(style: Int, name: String)] {
        (0..<count).map { ($0, "task \($0)") }
    }

    init(entries: [(style: Int, name: String)], width: Double) {
        self.entries = entries
        self.width = width
    }

    func draw(left: Double, top: Double, markers: Bool, in svg: inout SVGDocument) {
        svg.open("g", ["class": "legend", "font-size": "10"])
        for (k, entry) in entries.enumerated() {
            let x = left + Double(k % perRow) * entryWidth
            let y = top + Double(k / perRow) * Self.rowHeight
            svg.add(
                "line",
                [
                    "x1": SVGDocument.px(x), "y1": SVGDocument.px(y - 4), "x2": SVGDocument.px(x + 22),
                    "y2": SVGDocument.px(y - 4), "stroke": FigureStyle.line(entry.style),
                    "stroke-dasharray": FigureStyle.dash(entry.style), "stroke-width": "1.6",
                ])
            if markers {
                svg.add(
                    "path",
                    [
                        "d": FigureStyle.marker(FigureStyle.lineMarker(entry.style), x: x + 11, y: y - 4, size: 6),
                        "fill": FigureStyle.line(entry.style), "stroke": "#000000", "stroke-width": "0.5",
                    ])
            }
            svg.add("text", ["x": SVGDocument.px(x + 27), "y": SVGDocument.px(y)], text: entry.name)
        }
        svg.close()
    }
}

/// A grid of line panels under a title, as many columns as fit `FigureStyle.maxWidth` (at most
/// four), with the key below.
enum LinesFigure {
    static let maxColumns = 4, leftMargin = 64.0, panelGapX = 74.0, panelGapY = 88.0, top = 72.0

    static func render(
        title: String, subtitle: String, description: String, panels: [LinesPanel],
        legend entries: [(style: Int, name: String)], markers: Bool
    ) -> String {
        let panelWidth = panels.map(\.width).max() ?? 230
        let panelHeight = panels.map(\.height).max() ?? 160
        let fitting = Int((FigureStyle.maxWidth - leftMargin - 24 + panelGapX) / (panelWidth + panelGapX))
        let columns = max(1, min(maxColumns, panels.count, fitting))
        let rows = (panels.count + columns - 1) / columns
        // wide enough for the grid, and for the title (15-pixel bold text, about 9 pixels a character)
        let width = max(
            leftMargin + Double(columns) * (panelWidth + panelGapX) - panelGapX + 24,
            min(FigureStyle.maxWidth, max(560, 32 + 9 * Double(title.count))))
        // the subtitle in lines of the figure's width (11-pixel text, about 6.2 pixels a character)
        let subtitleLines = wrap(subtitle, characters: Int((width - 32) / 6.2))
        let top = Self.top + 14 * Double(subtitleLines.count - 1)
        let gridBottom = top + Double(rows) * (panelHeight + panelGapY) - panelGapY + 44
        let legend = LineLegend(entries: entries, width: width - 32)
        var svg = SVGDocument(width: width, height: gridBottom + 24 + legend.height)
        svg.add("text", ["x": "16", "y": "24", "font-size": "15", "font-weight": "bold"], text: title)
        for (k, line) in subtitleLines.enumerated() {
            svg.add("text", ["x": "16", "y": SVGDocument.px(42 + 14 * Double(k)), "font-size": "11"], text: line)
        }
        for (k, panel) in panels.enumerated() {
            let left = leftMargin + Double(k % columns) * (panelWidth + panelGapX)
            let panelTop = top + Double(k / columns) * (panelHeight + panelGapY)
            panel.draw(left: left, top: panelTop, in: &svg)
        }
        legend.draw(left: 16, top: gridBottom + 24, markers: markers, in: &svg)
        return svg.render(title: title, description: description)
    }

    /// `text` broken at spaces into lines of at most `characters` (a longer word stays whole).
    static func wrap(_ text: String, characters: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > characters {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        return lines + [line]
    }
}
