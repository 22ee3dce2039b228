/// RFC 4180 records: comma-separated fields, optionally in double quotes, inside which
/// commas, line breaks and doubled quotes ("") are literal. Accepts LF or CRLF line ends,
/// a UTF-8 byte-order mark (Excel writes one) and blank lines, which it skips.
struct CSVParser {
    struct Record {
        /// 1-based line on which the record starts, for error messages.
        let line: Int
        let fields: [String]
    }

    enum Failure: Error, Equatable {
        case unterminatedQuote(line: Int)
    }

    static func records(in text: String) throws -> [Record] {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"),
            carriageReturn = UInt8(ascii: "\r")

        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var inQuotes = false, quotedRecord = false
        var i = 0

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRecord() {
            endField()
            // A blank line is one empty, unquoted field: not a record.
            if !(fields.count == 1 && fields[0].isEmpty && !quotedRecord) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields.removeAll(keepingCapacity: true)
            quotedRecord = false
        }

        while i < bytes.count {
            let byte = bytes[i]
            if inQuotes {
                if byte == quote {
                    if i + 1 < bytes.count && bytes[i + 1] == quote {
                        field.append(quote)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if byte == newline { line += 1 }
                    field.append(byte)
                }
            } else {
                switch byte {
                case quote:
                    inQuotes = true
                    quotedRecord = true
                case comma:
                    endField()
                case carriageReturn where i + 1 < bytes.count && bytes[i + 1] == newline:
                    break  // the LF that follows ends the record
                case newline:
                    endRecord()
                    line += 1
                    recordLine = line
                default:
                    field.append(byte)
                }
            }
            i += 1
        }
        if inQuotes { throw Failure.unterminatedQuote(line: recordLine) }
        if !field.isEmpty || !fields.isEmpty || quotedRecord { endRecord() }
        return records
    }
}
