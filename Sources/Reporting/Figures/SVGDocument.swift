/// A small SVG writer whose output is a pure function of what was drawn: attributes in
/// the order given, coordinates with two decimals, plotted values with six, no ids that
/// depend on time or memory. So a figure regenerates byte for byte.
struct SVGDocument {
    let width: Double
    let height: Double
    private var definitions: [String] = []
    private var lines: [String] = []
    private var depth = 1

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// An element with no children, e.g. `add("rect", ["x": px(3), ...])`. Attributes whose
    /// value is empty are left out (an optional `data-std`, say).
    mutating func add(_ name: String, _ attributes: KeyValuePairs<String, String>, text: String? = nil) {
        let open = "<\(name)\(Self.attributeText(attributes))"
        let line = text.map { "\(open)>\(Self.escape($0))</\(name)>" } ?? "\(open)/>"
        lines.append(String(repeating: "  ", count: depth) + line)
    }

    /// Opens a group (`<g>`) whose children are added until the matching `close()`.
    mutating func open(_ name: String = "g", _ attributes: KeyValuePairs<String, String> = [:]) {
        lines.append(String(repeating: "  ", count: depth) + "<\(name)\(Self.attributeText(attributes))>")
        depth += 1
    }

    mutating func close(_ name: String = "g") {
        depth -= 1
        lines.append(String(repeating: "  ", count: depth) + "</\(name)>")
    }

    /// Text in the document's `<defs>` (patterns), written verbatim.
    mutating func define(_ markup: String) {
        definitions.append("    " + markup)
    }

    /// The whole document. `title` becomes the SVG's `<title>` (its accessible name) and
    /// `description` its `<desc>`.
    func render(title: String, description: String) -> String {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        text +=
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(Self.px(width))\" "
            + "height=\"\(Self.px(height))\" viewBox=\"0 0 \(Self.px(width)) \(Self.px(height))\" "
            + "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\">\n"
        text += "  <title>\(Self.escape(title))</title>\n"
        text += "  <desc>\(Self.escape(description))</desc>\n"
        if !definitions.isEmpty {
            text += "  <defs>\n" + definitions.joined(separator: "\n") + "\n  </defs>\n"
        }
        text += "  <rect x=\"0\" y=\"0\" width=\"\(Self.px(width))\" height=\"\(Self.px(height))\" fill=\"#ffffff\"/>\n"
        text += lines.joined(separator: "\n") + "\n</svg>\n"
        return text
    }

    // MARK: Formatting

    /// A coordinate or length: two decimals.
    static func px(_ value: Double) -> String { NumberFormat.fixed(value, 2) }

    /// A plotted value as it appears in `data-*` attributes: six decimals, as in the CSV tables.
    static func value(_ value: Double) -> String { NumberFormat.fixed(value, 6) }

    /// Values separated by single spaces.
    static func values(_ values: [Double]) -> String { values.map(value).joined(separator: " ") }

    /// Escapes text and attribute values for XML.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    private static func attributeText(_ attributes: KeyValuePairs<String, String>) -> String {
        attributes.filter { !$0.value.isEmpty }.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
    }
}
