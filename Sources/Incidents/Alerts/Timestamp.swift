import Foundation

/// RFC 3339 timestamps as alert senders write them: `2026-11-23T09:07:09.457Z`, nanoseconds from Go,
/// `+01:00` offsets, and CloudWatch's `+0000`. Hand-written because it runs for every alert on the ingest path.
public enum Timestamp {
    /// Parses a timestamp; `nil` when it is not one. Alertmanager's zero time (`0001-01-01T00:00:00Z`) is `nil` too.
    public static func parse(_ text: String) -> Date? {
        var utf8 = Array(text.utf8)
        if utf8.count < 19 { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(utf8[index]) - 48
                guard digit >= 0, digit <= 9 else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), utf8[4] == 0x2D, let month = number(5..<7), utf8[7] == 0x2D,
            let day = number(8..<10), utf8[10] == 0x54 || utf8[10] == 0x74 || utf8[10] == 0x20,
            let hour = number(11..<13), utf8[13] == 0x3A, let minute = number(14..<16), utf8[16] == 0x3A,
            let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second <= 60
        else { return nil }
        if year <= 1 { return nil }
        var index = 19
        var fraction = 0.0
        if index < utf8.count, utf8[index] == 0x2E {
            index += 1
            var scale = 0.1
            let start = index
            while index < utf8.count, utf8[index] >= 0x30, utf8[index] <= 0x39 {
                fraction += Double(utf8[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            if index == start { return nil }
        }
        var offset = 0
        guard index < utf8.count else { return nil }
        switch utf8[index] {
        case 0x5A, 0x7A:
            index += 1
        case 0x2B, 0x2D:
            let sign = utf8[index] == 0x2B ? 1 : -1
            utf8.append(contentsOf: [0, 0])
            guard let hours = number(index + 1..<index + 3) else { return nil }
            var next = index + 3
            if utf8[next] == 0x3A { next += 1 }
            guard let minutes = number(next..<next + 2) else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
            index = next + 2
            utf8.removeLast(2)
        default:
            return nil
        }
        guard index == utf8.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
