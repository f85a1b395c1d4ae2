/// ACC, BWT, FWT and forgetting of every strategy of one benchmark: one panel per metric,
/// one bar per strategy (mean over seeds) with ± sample-std whiskers, a dot per seed and,
/// where given, the paper's published value as a diamond.
///
/// Every mark carries what it plots: bars `data-strategy`, `data-metric`, `data-mean`,
/// `data-std` (absent for one seed) and `data-n`; seed dots `data-seed` and `data-value`;
/// paper diamonds `data-value`; each panel its axis (`data-axis-low/high` at
/// `data-pixel-low/high`).
enum MetricBarsFigure {
    /// The paper's value of `metric` for a series, if any.
    typealias PaperValue = (FigureSeries, FigureMetric) -> Double?

    static let plotTop = 76.0, plotHeight = 190.0, panelGap = 70.0

    /// The panels' layout: as many of the four side by side as fit `FigureStyle.maxWidth` (4, 2
    /// or 1 a row), bars 34 pixels apart, narrowed to 22 before a row holds fewer panels.
    static func layout(seriesCount: Int, leftMargin: Double) -> (columns: Int, plotWidth: Double) {
        let room = FigureStyle.maxWidth - leftMargin - 24 + panelGap
        let plotWidth = { (columns: Int) in min(max(130, 34 * Double(seriesCount)), room / Double(columns) - panelGap) }
        let columns = [4, 2].first { plotWidth($0) >= max(130, 22 * Double(seriesCount)) } ?? 1
        return (columns, plotWidth(columns))
    }

    static func render(benchmark: String, series: [FigureSeries], paper: PaperValue) -> String {
        // room for the y axis, and for the first strategy's label turned by 35° (10-pixel text,
        // about 6 pixels a character, reaches 6 × cos 35° ≈ 4.92 pixels a character to the left)
        let leftMargin = max(62, 4.92 * Double(series.first?.label.count ?? 0) - 8)
        let (columns, plotWidth) = layout(seriesCount: series.count, leftMargin: leftMargin)
        let panelWidth = plotWidth + panelGap
        let rows = (FigureMetric.allCases.count + columns - 1) / columns
        let labelDepth = AxisDrawing.rotatedLabelDepth(series.map(\.label))
        let rowPitch = plotHeight + labelDepth + 66  // the axis title, then the next row's panel titles
        let width = leftMargin + panelWidth * Double(columns) - panelGap + 24
        let legend = Legend(
            series: series, showsPaper: series.contains { s in FigureMetric.allCases.contains { paper(s, $0) != nil } },
            width: width - 2 * 16)
        let legendTop = plotTop + Double(rows - 1) * rowPitch + plotHeight + labelDepth + 44
        let height = legendTop + legend.height
        var svg = SVGDocument(width: width, height: height)
        FigureStyle.defineFills(series.map(\.style), in: &svg)
        let seeds = Set(series.map(\.runs.count))
        let title = "\(benchmark): ACC, BWT, FWT and forgetting by strategy"
        svg.add("text", ["x": "16", "y": "24", "font-size": "15", "font-weight": "bold"], text: title)
        svg.add(
            "text", ["x": "16", "y": "42", "font-size": "11"],
            text: "Bars: mean over seeds (n = \(seeds.sorted().map(String.init).joined(separator: ", "))); "
                + "whiskers: ± sample std; dots: single seeds. Forgetting is computed from R.")
        for (p, metric) in FigureMetric.allCases.enumerated() {
            let left = leftMargin + Double(p % columns) * panelWidth
            let top = plotTop + Double(p / columns) * rowPitch
            panel(metric, series: series, paper: paper, left: left, top: top, width: plotWidth, in: &svg)
        }
        legend.draw(left: 16, top: legendTop, in: &svg)
        return svg.render(
            title: title,
            description: "Bar chart of ACC, BWT, FWT and forgetting per strategy on \(benchmark), "
                + "mean and sample standard deviation over seeds, from the run files of a GEMBench report.")
    }

    private static func panel(
        _ metric: FigureMetric, series: [FigureSeries], paper: PaperValue, left: Double,
        top plotTop: Double, width: Double, in svg: inout SVGDocument
    ) {
        let plotBottom = plotTop + plotHeight
        let points = series.map { $0.values(metric).map(\.value) }
        let stats = points.map { Statistic($0) }
        let papers = series.map { paper($0, metric) }
        let scale: LinearScale
        if metric == .acc {
            scale = LinearScale(low: 0, high: 1, step: 0.2, start: plotBottom, end: plotTop)
        } else {
            let spread = stats.compactMap { $0 }.flatMap { [$0.mean - ($0.std ?? 0), $0.mean + ($0.std ?? 0)] }
            scale = LinearScale(
                covering: points.flatMap { $0 } + spread, including: [0] + papers.compactMap { $0 },
                start: plotBottom, end: plotTop)
        }
        svg.open(
            "g",
            [
                "class": "panel", "data-metric": metric.rawValue, "data-axis-low": SVGDocument.value(scale.low),
                "data-axis-high": SVGDocument.value(scale.high), "data-pixel-low": SVGDocument.px(scale.start),
                "data-pixel-high": SVGDocument.px(scale.end),
            ])
        svg.add(
            "text",
            [
                "x": SVGDocument.px(left + width / 2), "y": SVGDocument.px(plotTop - 8), "text-anchor": "middle",
                "font-size": "13", "font-weight": "bold",
            ], text: metric.name)
        AxisDrawing.yAxis(scale, left: left, right: left + width, title: metric.axisTitle, in: &svg)
        let slot = width / Double(series.count)
        let barWidth = min(26, slot * 0.7)
        let zero = scale(0)
        for (k, s) in series.enumerated() {
            let centre = left + slot * (Double(k) + 0.5)
            guard let stat = stats[k] else {
                svg.add(
                    "text",
                    [
                        "class": "undefined", "data-strategy": s.label, "data-metric": metric.rawValue,
                        "x": SVGDocument.px(centre), "y": SVGDocument.px(zero - 4), "text-anchor": "middle",
                        "font-size": "9",
                    ], text: "n/a")
                continue
            }
            let top = scale(stat.mean)
            svg.add(
                "rect",
                [
                    "class": "bar", "data-strategy": s.label, "data-metric": metric.rawValue,
                    "data-mean": SVGDocument.value(stat.mean), "data-std": stat.std.map(SVGDocument.value) ?? "",
                    "data-n": String(stat.n), "x": SVGDocument.px(centre - barWidth / 2),
                    "y": SVGDocument.px(min(top, zero)), "width": SVGDocument.px(barWidth),
                    "height": SVGDocument.px(abs(top - zero)), "fill": "url(#\(FigureStyle.fillID(s.style)))",
                    "stroke": "#000000", "stroke-width": "0.8",
                ])
            if let std = stat.std {
                let (low, high) = (scale(stat.mean - std), scale(stat.mean + std))
                let cap = barWidth / 4
                svg.add(
                    "path",
                    [
                        "class": "error-bar", "data-strategy": s.label, "data-metric": metric.rawValue,
                        "data-low": SVGDocument.value(stat.mean - std), "data-high": SVGDocument.value(stat.mean + std),
                        "d": "M\(SVGDocument.px(centre)),\(SVGDocument.px(low)) V\(SVGDocument.px(high)) "
                            + "M\(SVGDocument.px(centre - cap)),\(SVGDocument.px(low)) H\(SVGDocument.px(centre + cap)) "
                            + "M\(SVGDocument.px(centre - cap)),\(SVGDocument.px(high)) H\(SVGDocument.px(centre + cap))",
                        "stroke": "#000000", "stroke-width": "1.2", "fill": "none",
                    ])
            }
            let seeds = s.values(metric)
            let spacing = seeds.count > 1 ? min(4, barWidth * 0.6 / Double(seeds.count - 1)) : 0
            for (i, seed) in seeds.enumerated() {
                let x = centre + (Double(i) - Double(seeds.count - 1) / 2) * spacing
                svg.add(
                    "circle",
                    [
                        "class": "seed", "data-strategy": s.label, "data-metric": metric.rawValue,
                        "data-seed": String(seed.seed), "data-value": SVGDocument.value(seed.value),
                        "cx": SVGDocument.px(x), "cy": SVGDocument.px(scale(seed.value)), "r": "2.2",
                        "fill": "#ffffff", "stroke": "#000000", "stroke-width": "0.8",
                    ])
            }
            if let value = papers[k] {
                svg.add(
                    "path",
                    [
                        "class": "paper", "data-strategy": s.label, "data-metric": metric.rawValue,
                        "data-value": SVGDocument.value(value),
                        "d": FigureStyle.marker(3, x: centre, y: scale(value), size: 10),
                        "fill": "#000000", "stroke": "#ffffff", "stroke-width": "1",
                    ])
            }
        }
        let ticks = series.enumerated().map { (left + slot * (Double($0.offset) + 0.5), $0.element.label) }
        AxisDrawing.xAxis(
            ticks, bottom: plotBottom, left: left, right: left + width, title: "strategy", rotated: true,
            in: &svg)
        svg.close()
    }
}

/// The key under a bar figure: one swatch per strategy, then what each mark means.
struct Legend {
    let series: [FigureSeries]
    let showsPaper: Bool
    let width: Double
    private static let rowHeight = 18.0

    init(series: [FigureSeries], showsPaper: Bool, width: Double) {
        self.series = series
        self.showsPaper = showsPaper
        self.width = width
    }

    /// Entries: (label, approximate width in pixels).
    private var entries: [(String, Double)] {
        series.map { ($0.label, 34 + 7 * Double($0.label.count)) }
    }

    private var rows: [[Int]] {
        var rows: [[Int]] = [[]]
        var used = 0.0
        for (i, entry) in entries.enumerated() {
            if used + entry.1 > width, !rows[rows.count - 1].isEmpty {
                rows.append([])
                used = 0
            }
            rows[rows.count - 1].append(i)
            used += entry.1
        }
        return rows
    }

    var height: Double { Double(rows.count + 1) * Self.rowHeight + 8 }

    func draw(left: Double, top: Double, in svg: inout SVGDocument) {
        svg.open("g", ["class": "legend", "font-size": "11"])
        for (r, row) in rows.enumerated() {
            var x = left
            let y = top + Double(r) * Self.rowHeight
            for i in row {
                let s = series[i]
                svg.add(
                    "rect",
                    [
                        "class": "legend-swatch", "data-strategy": s.label, "x": SVGDocument.px(x),
                        "y": SVGDocument.px(y - 10), "width": "14", "height": "12",
                        "fill": "url(#\(FigureStyle.fillID(s.style)))", "stroke": "#000000", "stroke-width": "0.8",
                    ])
                svg.add("text", ["x": SVGDocument.px(x + 19), "y": SVGDocument.px(y)], text: s.label)
                x += entries[i].1
            }
        }
        let y = top + Double(rows.count) * Self.rowHeight
        svg.add(
            "path",
            [
                "d": "M\(SVGDocument.px(left + 7)),\(SVGDocument.px(y - 11)) V\(SVGDocument.px(y + 1)) "
                    + "M\(SVGDocument.px(left + 3)),\(SVGDocument.px(y - 11)) H\(SVGDocument.px(left + 11)) "
                    + "M\(SVGDocument.px(left + 3)),\(SVGDocument.px(y + 1)) H\(SVGDocument.px(left + 11))",
                "stroke": "#000000", "stroke-width": "1.2", "fill": "none",
            ])
        svg.add("text", ["x": SVGDocument.px(left + 19), "y": SVGDocument.px(y)], text: "± sample std")
        svg.add(
            "circle",
            [
                "cx": SVGDocument.px(left + 113), "cy": SVGDocument.px(y - 4), "r": "2.2", "fill": "#ffffff",
                "stroke": "#000000", "stroke-width": "0.8",
            ])
        svg.add("text", ["x": SVGDocument.px(left + 121), "y": SVGDocument.px(y)], text: "one seed")
        if showsPaper {
            svg.add(
                "path",
                [
                    "d": FigureStyle.marker(3, x: left + 197, y: y - 4, size: 10), "fill": "#000000",
                    "stroke": "#ffffff", "stroke-width": "1",
                ])
            svg.add(
                "text", ["x": SVGDocument.px(left + 206), "y": SVGDocument.px(y)],
                text: "paper (Lopez-Paz & Ranzato 2017, as published)")
        }
        svg.close()
    }
}
