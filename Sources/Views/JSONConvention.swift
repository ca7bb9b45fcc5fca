import Foundation

/// The one JSON convention of everything Firebreak answers, on the command line (`--json`) and over HTTP:
/// snake_case keys derived from the property names (`requestID` → `request_id`), ISO 8601 dates, sorted keys and
/// unescaped slashes. Dictionary keys (labels, params, outputs, details) are data and stay as they are.
public enum JSONConvention {
    /// An encoder with the convention; `pretty` for a terminal or a file a person reads.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }
}
