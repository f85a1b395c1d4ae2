/// The accuracy matrix of one strategy as a heatmap with its values (mean over seeds),
/// b (the random initialisation's accuracies) as a separate row beneath, and a colour bar.
///
/// Cells carry `data-row` (i, or "random" for b), `data-col` (j) and `data-value`.
enum AccuracyMatrixFigure {
    static func render(benchmark: String, series s: FigureSeries) -> String {
        let r = s.meanMatrix
        let b = s.meanRandomInit
        let columns = b.count
        let cell = min(52, max(22, 520 / Double(columns)))
        let fontSize = min(11, cell * 0.36)
        let left = 92.0
        let top = 78.0
        let gridRight = left + Double(columns) * cell
        let randomTop = top + Double(r.count) * cell + 10
        let gridBottom = randomTop + cell
        let seeds = s.matrixRuns.map(\.seed)
        let seedText = seeds.count == 1 ? "seed \(seeds[0])" : "mean of \(seeds.count) seeds"
        let title = "\(benchmark), \(s.label): accuracy matrix R"
        let subtitle =
            r.count == 1
            ? "Test accuracy on each task j after joint training on all tasks (\(seedText))."
            : "R[i][j] = test accuracy on task j after training task i (\(seedText))."
        // wide enough for the grid with its colour bar and for the two lines of text
        let width = max(gridRight + 110, 32 + 9 * Double(title.count), 32 + 6.2 * Double(subtitle.count))
        let height = gridBottom + 56
        var svg = SVGDocument(width: width, height: height)
        svg.add("text", ["x": "16", "y": "24", "font-size": "15", "font-weight": "bold"], text: title)
        svg.add("text", ["x": "16", "y": "42", "font-size": "11"], text: subtitle)
        svg.open(
            "g",
            [
                "class": "matrix", "data-strategy": s.label,
                "data-seeds": seeds.map(String.init).joined(separator: " "),
                "font-size": NumberFormat.fixed(fontSize, 1), "text-anchor": "middle",
            ])
        let rows =
            r.enumerated().map { (String($0.offset), $0.element, top + Double($0.offset) * cell) }
            + [("random", b, randomTop)]
        for (name, values, y) in rows {
            for (j, value) in values.enumerated() {
                let x = left + Double(j) * cell
                svg.add(
                    "rect",
                    [
                        "class": name == "random" ? "cell random-init" : "cell", "data-row": name,
                        "data-col": String(j), "data-value": SVGDocument.value(value), "x": SVGDocument.px(x),
                        "y": SVGDocument.px(y), "width": SVGDocument.px(cell), "height": SVGDocument.px(cell),
                        "fill": FigureStyle.heat(value), "stroke": "#ffffff", "stroke-width": "1",
                    ])
                svg.add(
                    "text",
                    [
                        "x": SVGDocument.px(x + cell / 2), "y": SVGDocument.px(y + cell / 2 + fontSize * 0.35),
                        "fill": FigureStyle.textOnHeat(value),
                    ], text: NumberFormat.fixed(value, 2))
            }
        }
        svg.close()
        // Row and column labels, axis titles.
        svg.open("g", ["class": "labels", "font-size": "10"])
        for (i, _) in r.enumerated() {
            svg.add(
                "text",
                [
                    "x": SVGDocument.px(left - 6), "y": SVGDocument.px(top + (Double(i) + 0.5) * cell + 3.5),
                    "text-anchor": "end",
                ], text: r.count == 1 ? "joint" : String(i))
        }
        svg.add(
            "text",
            ["x": SVGDocument.px(left - 6), "y": SVGDocument.px(randomTop + cell / 2 + 3.5), "text-anchor": "end"],
            text: "random init")
        for j in 0..<columns where columns <= 20 || j % 2 == 0 {
            svg.add(
                "text",
                [
                    "x": SVGDocument.px(left + (Double(j) + 0.5) * cell), "y": SVGDocument.px(top - 6),
                    "text-anchor": "middle",
                ], text: String(j))
        }
        svg.add(
            "text",
            [
                "x": SVGDocument.px((left + gridRight) / 2), "y": SVGDocument.px(top - 22), "text-anchor": "middle",
                "font-size": "11",
            ], text: "evaluated on task j")
        let middle = (top + randomTop) / 2
        svg.add(
            "text",
            [
                "x": SVGDocument.px(left - 58), "y": SVGDocument.px(middle), "text-anchor": "middle",
                "font-size": "11", "transform": "rotate(-90 \(SVGDocument.px(left - 58)) \(SVGDocument.px(middle)))",
            ],
            text: r.count == 1 ? "after training" : "after training task i")
        svg.close()
        colourBar(left: gridRight + 22, top: top, height: gridBottom - top, in: &svg)
        return svg.render(
            title: title,
            description: "Heatmap of the accuracy matrix of \(s.label) on \(benchmark), "
                + "with the random initialisation's accuracies, from the run files of a GEMBench report.")
    }

    /// A vertical colour bar for accuracies 0 (bottom) to 1 (top), drawn as 20 bands.
    static func colourBar(left: Double, top: Double, height: Double, in svg: inout SVGDocument) {
        let bands = 20
        svg.open("g", ["class": "colour-bar", "font-size": "10"])
        for k in 0..<bands {
            let value = (Double(k) + 0.5) / Double(bands)
            let y = top + height * (1 - Double(k + 1) / Double(bands))
            svg.add(
                "rect",
                [
                    "x": SVGDocument.px(left), "y": SVGDocument.px(y), "width": "14",
                    "height": SVGDocument.px(height / Double(bands) + 0.3), "fill": FigureStyle.heat(value),
                ])
        }
        svg.add(
            "rect",
            [
                "x": SVGDocument.px(left), "y": SVGDocument.px(top), "width": "14", "height": SVGDocument.px(height),
                "fill": "none", "stroke": "#000000", "stroke-width": "0.6",
            ])
        for tick in (0...5).map({ Double($0) / 5 }) {
            let y = top + height * (1 - tick)
            svg.add(
                "line",
                [
                    "x1": SVGDocument.px(left + 14), "y1": SVGDocument.px(y), "x2": SVGDocument.px(left + 18),
                    "y2": SVGDocument.px(y), "stroke": "#000000", "stroke-width": "0.8",
                ])
            svg.add(
                "text", ["x": SVGDocument.px(left + 21), "y": SVGDocument.px(y + 3.5)],
                text: NumberFormat.fixed(tick, 1))
        }
        let middle = top + height / 2
        svg.add(
            "text",
            [
                "x": SVGDocument.px(left + 52), "y": SVGDocument.px(middle), "text-anchor": "middle",
                "font-size": "11", "transform": "rotate(-90 \(SVGDocument.px(left + 52)) \(SVGDocument.px(middle)))",
            ],
            text: "accuracy (fraction)")
        svg.close()
    }
}
