import Foundation

/// Colours, hatching, markers and dashes that stay distinguishable for colour-blind
/// readers (the Okabe–Ito palette) and in grey print (every series also differs in its
/// hatch, marker or dash, and the heatmap ramp darkens monotonically).
enum FigureStyle {
    /// The widest a figure is drawn, so that it fits report.html in a 1280-pixel window (the
    /// page's margins leave 1246 pixels): wider content wraps into rows of panels.
    static let maxWidth = 1240.0

    /// Okabe & Ito (2008), "Color Universal Design": orange, sky blue, bluish green,
    /// yellow, blue, vermillion, reddish purple, black.
    static let okabeIto = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]

    /// The fill colour of series `k`: the palette without black (bars stay filled).
    static func fill(_ k: Int) -> String { okabeIto[k % 7] }

    /// Line colours: the palette with black first and without yellow, too pale for a thin line on white.
    static let lineColours = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7"]

    /// The line colour of series `k`.
    static func line(_ k: Int) -> String { lineColours[k % lineColours.count] }

    /// The marker of line k: shifted every 7 lines, so lines k and k + 7 share a colour but not a marker.
    static func lineMarker(_ k: Int) -> Int { (k + k / 7) % 7 }

    /// Dash patterns for lines, cycled with a period prime to the colours'.
    static let dashes = ["", "6 3", "2 2", "8 3 2 3", "1 3"]
    static func dash(_ k: Int) -> String { dashes[k % dashes.count] }

    // MARK: Hatching

    /// Hatch strokes of a 6-pixel tile; series k uses `hatches[k % count]` (the first is plain).
    private static let hatches = [
        "", "M0,6 L6,0 M-1,1 L1,-1 M5,7 L7,5", "M0,0 L6,6 M-1,5 L1,7 M5,-1 L7,1",
        "M0,3 L6,3", "M3,0 L3,6", "M0,6 L6,0 M0,0 L6,6", "M0,3 L6,3 M3,0 L3,6",
    ]

    /// The id of series k's fill pattern in a document that called `defineFills`.
    static func fillID(_ k: Int) -> String { "fill-\(k)" }

    /// Defines one pattern per series in `series` (its colour under its hatch).
    static func defineFills(_ series: [Int], in svg: inout SVGDocument) {
        for k in Set(series).sorted() {
            // shifted every 7 series, so series k and k + 7 share a colour but not a hatch
            let hatch = hatches[(k + k / 7) % hatches.count]
            var markup =
                "<pattern id=\"\(fillID(k))\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\">"
                + "<rect width=\"6\" height=\"6\" fill=\"\(fill(k))\"/>"
            if !hatch.isEmpty {
                markup += "<path d=\"\(hatch)\" stroke=\"#000000\" stroke-width=\"0.9\" fill=\"none\"/>"
            }
            svg.define(markup + "</pattern>")
        }
    }

    // MARK: Markers

    /// The path of series k's marker centred at (x, y), about `size` pixels across:
    /// circle, square, triangle up, diamond, triangle down, plus, cross.
    static func marker(_ k: Int, x: Double, y: Double, size: Double = 7) -> String {
        let r = size / 2
        func p(_ dx: Double, _ dy: Double) -> String { SVGDocument.px(x + dx) + "," + SVGDocument.px(y + dy) }
        switch k % 7 {
        case 0:
            return "M\(p(-r, 0)) A\(SVGDocument.px(r)),\(SVGDocument.px(r)) 0 1,0 \(p(r, 0)) "
                + "A\(SVGDocument.px(r)),\(SVGDocument.px(r)) 0 1,0 \(p(-r, 0)) Z"
        case 1:
            return
                "M\(p(-r * 0.85, -r * 0.85)) L\(p(r * 0.85, -r * 0.85)) L\(p(r * 0.85, r * 0.85)) L\(p(-r * 0.85, r * 0.85)) Z"
        case 2: return "M\(p(0, -r)) L\(p(r, r * 0.8)) L\(p(-r, r * 0.8)) Z"
        case 3: return "M\(p(0, -r)) L\(p(r, 0)) L\(p(0, r)) L\(p(-r, 0)) Z"
        case 4: return "M\(p(0, r)) L\(p(r, -r * 0.8)) L\(p(-r, -r * 0.8)) Z"
        case 5:
            let t = r * 0.35
            return "M\(p(-t, -r)) L\(p(t, -r)) L\(p(t, -t)) L\(p(r, -t)) L\(p(r, t)) L\(p(t, t)) L\(p(t, r)) "
                + "L\(p(-t, r)) L\(p(-t, t)) L\(p(-r, t)) L\(p(-r, -t)) L\(p(-t, -t)) Z"
        default:
            let t = r * 0.3
            let u = r * 0.8
            return "M\(p(-u, -u + t)) L\(p(-u + t, -u)) L\(p(0, -t)) L\(p(u - t, -u)) L\(p(u, -u + t)) L\(p(t, 0)) "
                + "L\(p(u, u - t)) L\(p(u - t, u)) L\(p(0, t)) L\(p(-u + t, u)) L\(p(-u, u - t)) L\(p(-t, 0)) Z"
        }
    }

    // MARK: Heatmap colours

    /// Viridis at 0, ¼, ½, ¾ and 1: perceptually even, readable by colour-blind readers,
    /// and monotone in lightness, so the ramp survives grey print.
    private static let ramp: [(Double, Double, Double)] = [
        (68, 1, 84), (59, 82, 139), (33, 145, 140),
        (94, 201, 98), (253, 231, 37),
    ]

    /// The colour of `value` in [0, 1] (clamped), as "#rrggbb".
    static func heat(_ value: Double) -> String {
        let (r, g, b) = heatRGB(value)
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }

    /// Black or white, whichever reads better on `heat(value)`.
    static func textOnHeat(_ value: Double) -> String {
        let (r, g, b) = heatRGB(value)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b > 128 ? "#000000" : "#ffffff"
    }

    private static func heatRGB(_ value: Double) -> (Double, Double, Double) {
        let v = value.isNaN ? 0 : min(1, max(0, value))
        let position = v * Double(ramp.count - 1)
        let i = min(Int(position), ramp.count - 2)
        let f = position - Double(i)
        let (a, b) = (ramp[i], ramp[i + 1])
        return (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }
}
