import Foundation
import Testing

@testable import NetSpec

private func table(_ text: String) throws -> CSVTable { try CSVReader.parse(Array(text.utf8)) }

@Suite("CSV reader")
struct CSVReaderTests {
  @Test func commaSeparated() throws {
    let t = try table("1,2,3\n4.5,-6e1,+7\n")
    #expect((t.rows, t.columns) == (2, 3))
    #expect(t.values == [1, 2, 3, 4.5, -60, 7])
    #expect(t.columnNames == nil && t.classNames == nil)
  }

  @Test func whitespaceSeparatedWithCRLFBlankLinesAndNoFinalNewline() throws {
    let t = try table("\u{FEFF}  1 2\t 3\r\n\r\n\n4   5 6  \r\n7 8 9")
    #expect((t.rows, t.columns) == (3, 3))
    #expect(t.values == [1, 2, 3, 4, 5, 6, 7, 8, 9])
  }

  @Test func spacesAroundCommasAndLongNumbers() throws {
    let t = try table("1.510000000000000000e+02 , 1234567890, 0.1\n  2,3,4")
    #expect(t.values == [151, 1_234_567_936, 0.1, 2, 3, 4])  // 1234567890 rounded to float32
  }

  @Test func headerOfNames() throws {
    let t = try table("sepal,\"petal width\",species\n1,2,0\n3,4,1\n")
    #expect(t.columnNames == ["sepal", "petal width", "species"])
    #expect(t.rows == 2)
    let (features, labels) = try t.splitLabel(.name("sepal"))
    #expect(features == [2, 0, 4, 1])
    #expect(labels == [1, 3])
  }

  @Test func scikitLearnHeader() throws {
    let t = try table("2,3,setosa,versicolor\n1,2,3,0\n4,5,6,1\n")
    #expect(t.classNames == ["setosa", "versicolor"])
    #expect(t.columnNames == nil)
    #expect(t.rows == 2)
  }

  @Test func labelColumns() throws {
    let t = try table("1,2,3\n4,5,6\n")
    #expect(try t.splitLabel(.last) == ([1, 2, 4, 5], [3, 6]))
    #expect(try t.splitLabel(.first) == ([2, 3, 5, 6], [1, 4]))
    #expect(try t.splitLabel(.index(1)) == ([1, 3, 4, 6], [2, 5]))
  }

  @Test(arguments: [
    (LabelColumn.index(3), "column 3, but the rows have 3 columns"),
    (.name("species"), "no header row"),
  ])
  func labelColumnErrors(_ column: LabelColumn, _ expected: String) throws {
    let t = try table("1,2,3\n")
    #expect(readError([]) { (_) throws(DataFileError) in try t.splitLabel(column) }?.contains(expected) == true)
  }

  @Test func unknownHeaderNameSuggests() throws {
    let t = try table("a,label\n1,2\n")
    do {
      _ = try t.splitLabel(.name("lable"))
      Issue.record("no error")
    } catch {
      #expect(error.message.contains("`lable`"))
      #expect(error.help.contains("did you mean `label`?"))
    }
  }

  @Test func singleColumnNeedsALabelsFile() throws {
    let t = try table("1\n2\n")
    #expect((t.rows, t.columns) == (2, 1))
    let message = readError([]) { (_) throws(DataFileError) in try t.splitLabel(.last) }
    #expect(message?.contains("at least one feature column") == true)
  }

  @Test(arguments: [
    ("", "holds no data"),
    ("\n  \n", "holds no data"),
    ("a,b,c\n", "a header line but no data rows"),
    ("1,2,3\n4,5\n", "line 2 has 2 columns, but line 1 has 3"),
    ("x,y\n1,2\n3,4,5\n", "line 3 has 3 columns, but line 2 has 2"),
    ("1,2\n3,abc\n", "line 2, column 2: `abc` is not a number"),
    ("1,2\n3,4x\n", "line 2, column 2: `4x` is not a number"),
    ("1,2\n3,nan\n", "line 2, column 2: `nan` is not a finite number"),
    ("1,2\n-inf,2\n", "line 2, column 1: `-inf` is not a finite number"),
    ("1,2\n3,1e39\n", "`1e39` is not a finite number"),
    ("1,2\n3,,4\n", "line 2, column 2 is empty"),
    ("1,2\n3,4,\n", "line 2, column 3 is empty"),
    ("1,2\n3 4,5\n", "line 2: expected a comma after column 1, found `4`"),
    ("1 2\n3,4\n", "line 2: expected a space after column 1, found `,`"),
    ("1,2\n3,\u{0}\n", "line 2, column 2: unexpected byte 0x0"),
    ("5,1,a,b\n1,2,3\n", "says 5 samples of 1 features"),
    ("a,b\n1,2,3\n", "names 2 columns, but the rows have 3"),
  ])
  func malformed(_ text: String, _ expected: String) {
    let message = readError(Array(text.utf8)) { (bytes) throws(DataFileError) in try CSVReader.parse(bytes) }
    #expect(message?.contains(expected) == true, "\(message ?? "no error")")
  }

  @Test func bundledFiles() throws {
    let iris = try CSVReader.parse(readDataFile(exampleData("iris.csv")))
    #expect((iris.rows, iris.columns) == (150, 5))
    #expect(iris.classNames == ["setosa", "versicolor", "virginica"])
    #expect(Array(iris.values.prefix(5)) == [5.1, 3.5, 1.4, 0.2, 0])

    let cancer = try CSVReader.parse(readDataFile(exampleData("breast_cancer.csv")))
    #expect((cancer.rows, cancer.columns) == (569, 31))
    #expect(cancer.classNames == ["malignant", "benign"])

    let digits = try CSVReader.parse(readDataFile(exampleData("digits.csv.gz")))
    #expect((digits.rows, digits.columns) == (1797, 65))

    let diabetes = try CSVReader.parse(readDataFile(exampleData("diabetes_data_raw.csv.gz")))
    #expect((diabetes.rows, diabetes.columns) == (442, 10))
    #expect(Array(diabetes.values.prefix(4)) == [59, 2, 32.1, 101])
    let target = try CSVReader.parse(readDataFile(exampleData("diabetes_target.csv.gz")))
    #expect((target.rows, target.columns) == (442, 1))
    #expect(Array(target.values.prefix(3)) == [151, 75, 141])
  }

  @Test(arguments: [
    ("nan,1\n2,3\n", "line 1, column 1: `nan` is not a finite number"),
    ("1,inf\n2,3\n", "line 1, column 2: `inf` is not a finite number"),
    ("1e999,1\n2,3\n", "line 1, column 1: `1e999` is not a finite number"),
    ("id,3.5,x\n1,2,3\n", "line 1 mixes names and numbers (`id`, `3.5`)"),
    ("\n\n,a\n1,2\n", "line 3 mixes names and numbers"),
  ])
  func autoHeaderNeverDropsASample(_ text: String, _ expected: String) {
    let message = readError(Array(text.utf8)) { (bytes) throws(DataFileError) in try CSVReader.parse(bytes) }
    #expect(message?.contains(expected) == true, "\(message ?? "no error")")
  }

  @Test func explicitHeaders() throws {
    let names = try CSVReader.parse(Array("x_1,y.2,Label\n1,2,0\n".utf8), header: .auto)
    #expect(names.columnNames == ["x_1", "y.2", "Label"] && names.rows == 1 && names.headerLine == 1)
    #expect(names.headerDescription == "header row of 3 column names (line 1)")
    let numbers = try CSVReader.parse(Array("\n1,2\n3,4\n".utf8), header: .present)
    #expect(numbers.columnNames == ["1", "2"] && numbers.values == [3, 4] && numbers.headerLine == 2)
    let data = try CSVReader.parse(Array("1,2\n3,4\n".utf8), header: .auto)
    #expect(data.headerLine == nil && data.rows == 2 && data.headerDescription == "no header row")
    let scikit = try CSVReader.parse(Array("2,1,no,yes\n1,0\n2,1\n".utf8), header: .auto)
    #expect(scikit.classNames == ["no", "yes"] && scikit.rows == 2)
    #expect(scikit.headerDescription == "scikit-learn header (line 1): 2 samples, 1 features, 2 class names")
    let message = readError(Array("a,b\n1,2\n".utf8)) { (bytes) throws(DataFileError) in
      try CSVReader.parse(bytes, header: .absent)
    }
    #expect(message?.contains("line 1, column 1: `a` is not a number") == true, "\(message ?? "no error")")
  }

  /// Rows that straddle the reader's chunks keep their values and line numbers.
  @Test func rowsAcrossChunks() throws {
    let rows = 300_000  // 2.4 MB: three chunks
    var text = "a,b\n" + (0..<rows).map { "\($0 % 7),\($0 % 5)\n" }.joined()
    let table = try CSVReader.parse(Array(text.utf8))
    #expect(table.rows == rows && table.columns == 2)
    #expect(table.values[2 * 250_000] == Float(250_000 % 7) && table.values[2 * 250_000 + 1] == Float(250_000 % 5))
    text += "1,2,3\n"
    let message = readError(Array(text.utf8)) { (bytes) throws(DataFileError) in try CSVReader.parse(bytes) }
    #expect(message?.contains("line \(rows + 2) has 3 columns, but line 2 has 2") == true, "\(message ?? "no error")")
  }

  @Test func linesAreBounded() {
    let cells = String(repeating: "1,", count: CSVReader.maxLineBytes / 2) + "1"
    for text in ["1,2\n" + cells + "\n", cells, "a,b\n1,2\n" + cells] {
      let message = readError(Array(text.utf8)) { (bytes) throws(DataFileError) in try CSVReader.parse(bytes) }
      #expect(message?.contains("is longer than 1 MiB") == true, "\(message ?? "no error")")
    }
    let header = "a," + String(repeating: "b", count: CSVReader.maxLineBytes) + "\n1,2\n"
    let message = readError(Array(header.utf8)) { (bytes) throws(DataFileError) in try CSVReader.parse(bytes) }
    #expect(message?.contains("line 1 is longer than 1 MiB") == true, "\(message ?? "no error")")
  }
}
