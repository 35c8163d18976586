/// A parsed GraphQL executable document (GraphQL spec, October 2021, §2 "Language"): its operations and fragments,
/// and its normalised text. Only executable definitions are accepted (a type system definition is an error), and
/// the few document rules that decide which operation runs are checked (§5.2.1.1 unique operation names, §5.2.2.1
/// a lone anonymous operation, §5.5.1.1 unique fragment names, §5.5.2.1 spreads of defined fragments).
public struct GraphQLDocument: Sendable, Equatable {
    /// `query`, `mutation` or `subscription`.
    public enum OperationType: String, Sendable {
        case query, mutation, subscription
    }

    /// A value in a document (§2.9).
    public indirect enum Value: Sendable, Equatable {
        case variable(String)
        case int(String)
        case float(String)
        case string(String)
        case boolean(Bool)
        case null
        case enumValue(String)
        case list([Value])
        case object([(name: String, value: Value)])

        public static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.variable(let a), .variable(let b)), (.int(let a), .int(let b)), (.float(let a), .float(let b)),
                (.string(let a), .string(let b)), (.enumValue(let a), .enumValue(let b)):
                a == b
            case (.boolean(let a), .boolean(let b)): a == b
            case (.null, .null): true
            case (.list(let a), .list(let b)): a == b
            case (.object(let a), .object(let b)):
                a.count == b.count && zip(a, b).allSatisfy { $0.name == $1.name && $0.value == $1.value }
            default: false
            }
        }
    }

    /// A field (§2.5).
    public struct Field: Sendable, Equatable {
        public var alias: String?
        public var name: String
        public var arguments: [Argument]
        public var selections: [Selection]
        /// The key of this field in the answer: the alias, else the name.
        public var responseKey: String { alias ?? name }

        public static func == (lhs: Field, rhs: Field) -> Bool {
            lhs.alias == rhs.alias && lhs.name == rhs.name && lhs.selections == rhs.selections
                && lhs.arguments.count == rhs.arguments.count
                && zip(lhs.arguments, rhs.arguments).allSatisfy { $0.name == $1.name && $0.value == $1.value }
        }
    }

    /// An argument `name: value`.
    public typealias Argument = (name: String, value: Value)

    /// A selection (§2.4).
    public enum Selection: Sendable, Equatable {
        case field(Field)
        case fragmentSpread(String)
        case inlineFragment(typeCondition: String?, selections: [Selection])
    }

    /// An operation (§2.3).
    public struct Operation: Sendable, Equatable {
        public var type: OperationType
        public var name: String?
        /// The declared variables, by name (without `$`), with their default values.
        public var variables: [(name: String, defaultValue: Value?)]
        public var selections: [Selection]

        public static func == (lhs: Operation, rhs: Operation) -> Bool {
            lhs.type == rhs.type && lhs.name == rhs.name && lhs.selections == rhs.selections
                && lhs.variables.map(\.name) == rhs.variables.map(\.name)
        }
    }

    /// The operations, in document order.
    public var operations: [Operation]
    /// The fragment definitions, by name: type condition and selections.
    public var fragments: [String: (typeCondition: String, selections: [Selection])]
    /// The document's tokens in canonical form joined canonically (see ``GraphQLToken/canonical``): comments,
    /// commas and insignificant white space gone, one space only between two names or numbers. Two documents with
    /// the same normalised text are the same token sequence, so the same document.
    public var normalized: String

    public static func == (lhs: GraphQLDocument, rhs: GraphQLDocument) -> Bool {
        lhs.normalized == rhs.normalized
    }

    /// How deeply selections, values and list types may nest before a document is refused (a hostile document
    /// must not exhaust the stack).
    public static let maxDepth = 128

    /// Parses `source`; any syntax or document-rule violation is an error naming what and where.
    public static func parse(_ source: String) throws(GraphQLSyntaxError) -> GraphQLDocument {
        let tokens = try GraphQLLexer.tokens(source)
        var parser = Parser(tokens: tokens)
        return try parser.document()
    }

    /// The operation a request runs (§6.1.1 `GetOperation`): the one named `operationName`, or the only one when
    /// none is named; `nil` when there is no such single operation.
    public func operation(named operationName: String?) -> Operation? {
        guard let operationName else { return operations.count == 1 ? operations[0] : nil }
        return operations.first { $0.name == operationName }
    }

    /// Whether every operation in the document is a query (so whichever runs reads and never writes).
    public var isQueryOnly: Bool { operations.allSatisfy { $0.type == .query } }
}

/// A recursive-descent parser over ``GraphQLLexer``'s tokens.
private struct Parser {
    let tokens: [(token: GraphQLToken, offset: Int)]
    var position = 0
    var depth = 0

    init(tokens: [(token: GraphQLToken, offset: Int)]) { self.tokens = tokens }

    var current: GraphQLToken? { position < tokens.count ? tokens[position].token : nil }
    var offset: Int { position < tokens.count ? tokens[position].offset : (tokens.last.map { $0.offset + 1 } ?? 0) }

    func error(_ message: String) -> GraphQLSyntaxError {
        let found = current.map { "\"\($0.canonical.prefix(40))\"" } ?? "the end of the document"
        return GraphQLSyntaxError("\(message), found \(found)", at: offset)
    }

    func isPunctuator(_ text: String) -> Bool { current == .punctuator(text) }

    mutating func expect(_ text: String) throws(GraphQLSyntaxError) {
        guard isPunctuator(text) else { throw error("expected \"\(text)\"") }
        position += 1
    }

    mutating func skip(_ text: String) -> Bool {
        guard isPunctuator(text) else { return false }
        position += 1
        return true
    }

    mutating func name() throws(GraphQLSyntaxError) -> String {
        guard case .name(let name) = current else { throw error("expected a name") }
        position += 1
        return name
    }

    mutating func nested<T>(_ body: (inout Parser) throws(GraphQLSyntaxError) -> T) throws(GraphQLSyntaxError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= GraphQLDocument.maxDepth else {
            throw error("nested more than \(GraphQLDocument.maxDepth) levels deep")
        }
        return try body(&self)
    }

    mutating func document() throws(GraphQLSyntaxError) -> GraphQLDocument {
        var operations: [GraphQLDocument.Operation] = []
        var fragments: [String: (typeCondition: String, selections: [GraphQLDocument.Selection])] = [:]
        var spreads: [(name: String, offset: Int)] = []
        guard current != nil else { throw error("expected an operation or a fragment") }
        while let token = current {
            switch token {
            case .punctuator("{"):
                operations.append(
                    GraphQLDocument.Operation(
                        type: .query, name: nil, variables: [], selections: try selectionSet(&spreads)))
            case .name(let keyword) where GraphQLDocument.OperationType(rawValue: keyword) != nil:
                position += 1
                var name: String?
                if case .name(let operationName) = current {
                    name = operationName
                    position += 1
                }
                let variables = isPunctuator("(") ? try variableDefinitions(&spreads) : []
                try directives(&spreads)
                operations.append(
                    GraphQLDocument.Operation(
                        type: GraphQLDocument.OperationType(rawValue: keyword)!, name: name, variables: variables,
                        selections: try selectionSet(&spreads)))
            case .name("fragment"):
                let start = offset
                position += 1
                let fragmentName = try name()
                guard fragmentName != "on" else { throw GraphQLSyntaxError("a fragment named \"on\"", at: start) }
                guard case .name("on") = current else { throw error("expected \"on\" and a type") }
                position += 1
                let typeCondition = try name()
                try directives(&spreads)
                let selections = try selectionSet(&spreads)
                guard fragments[fragmentName] == nil else {
                    throw GraphQLSyntaxError("the fragment \"\(fragmentName)\" is defined twice", at: start)
                }
                fragments[fragmentName] = (typeCondition, selections)
            default:
                throw error("expected an operation (query, mutation, subscription, {) or a fragment")
            }
        }
        var names = Set<String>()
        for operation in operations {
            if let name = operation.name {
                guard names.insert(name).inserted else {
                    throw GraphQLSyntaxError("the operation \"\(name)\" is defined twice", at: 0)
                }
            } else if operations.count > 1 {
                throw GraphQLSyntaxError("an anonymous operation must be the only operation", at: 0)
            }
        }
        if let missing = spreads.first(where: { fragments[$0.name] == nil }) {
            throw GraphQLSyntaxError("the fragment \"\(missing.name)\" is not defined", at: missing.offset)
        }
        var normalized = ""
        var previous: GraphQLToken?
        for (token, _) in tokens {
            if let previous, previous.isWordLike, token.isWordLike { normalized += " " }
            normalized += token.canonical
            previous = token
        }
        return GraphQLDocument(operations: operations, fragments: fragments, normalized: normalized)
    }

    /// `( $name: Type = default @directives … )`
    mutating func variableDefinitions(_ spreads: inout [(name: String, offset: Int)]) throws(GraphQLSyntaxError)
        -> [(name: String, defaultValue: GraphQLDocument.Value?)]
    {
        try expect("(")
        var variables: [(name: String, defaultValue: GraphQLDocument.Value?)] = []
        repeat {
            try expect("$")
            let variable = try name()
            try expect(":")
            try type()
            var defaultValue: GraphQLDocument.Value?
            if skip("=") { defaultValue = try value(constant: true) }
            try directives(&spreads, constant: true)
            variables.append((variable, defaultValue))
        } while !skip(")")
        return variables
    }

    /// `Name`, `[Type]`, either with `!`.
    mutating func type() throws(GraphQLSyntaxError) {
        try nested { (parser: inout Parser) throws(GraphQLSyntaxError) in
            if parser.skip("[") {
                try parser.type()
                try parser.expect("]")
            } else {
                _ = try parser.name()
            }
            _ = parser.skip("!")
        }
    }

    /// `@name(arguments)…`
    mutating func directives(_ spreads: inout [(name: String, offset: Int)], constant: Bool = false)
        throws(GraphQLSyntaxError)
    {
        while skip("@") {
            _ = try name()
            if isPunctuator("(") { _ = try arguments(constant: constant) }
        }
    }

    /// `(name: value …)`
    mutating func arguments(constant: Bool) throws(GraphQLSyntaxError) -> [GraphQLDocument.Argument] {
        try expect("(")
        var arguments: [GraphQLDocument.Argument] = []
        repeat {
            let argument = try name()
            try expect(":")
            arguments.append((argument, try value(constant: constant)))
        } while !skip(")")
        return arguments
    }

    /// `{ selection… }` (at least one).
    mutating func selectionSet(_ spreads: inout [(name: String, offset: Int)]) throws(GraphQLSyntaxError)
        -> [GraphQLDocument.Selection]
    {
        try nested { (parser: inout Parser) throws(GraphQLSyntaxError) in
            try parser.expect("{")
            var selections: [GraphQLDocument.Selection] = []
            repeat { selections.append(try parser.selection(&spreads)) } while !parser.skip("}")
            return selections
        }
    }

    mutating func selection(_ spreads: inout [(name: String, offset: Int)]) throws(GraphQLSyntaxError)
        -> GraphQLDocument.Selection
    {
        if skip("...") {
            if case .name(let fragmentName) = current, fragmentName != "on" {
                spreads.append((fragmentName, offset))
                position += 1
                try directives(&spreads)
                return .fragmentSpread(fragmentName)
            }
            var typeCondition: String?
            if case .name("on") = current {
                position += 1
                typeCondition = try name()
            }
            try directives(&spreads)
            return .inlineFragment(typeCondition: typeCondition, selections: try selectionSet(&spreads))
        }
        var alias: String?
        var fieldName = try name()
        if skip(":") {
            alias = fieldName
            fieldName = try name()
        }
        let arguments = isPunctuator("(") ? try self.arguments(constant: false) : []
        try directives(&spreads)
        let selections = isPunctuator("{") ? try selectionSet(&spreads) : []
        return .field(
            GraphQLDocument.Field(alias: alias, name: fieldName, arguments: arguments, selections: selections))
    }

    /// A value (§2.9); `constant`: no variables.
    mutating func value(constant: Bool) throws(GraphQLSyntaxError) -> GraphQLDocument.Value {
        guard let token = current else { throw error("expected a value") }
        switch token {
        case .punctuator("$"):
            guard !constant else { throw error("a variable where a constant is required") }
            position += 1
            return .variable(try name())
        case .int(let text):
            position += 1
            return .int(text)
        case .float(let text):
            position += 1
            return .float(text)
        case .string(let text):
            position += 1
            return .string(text)
        case .name(let word):
            position += 1
            switch word {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            case "null": return .null
            default: return .enumValue(word)
            }
        case .punctuator("["):
            return try nested { (parser: inout Parser) throws(GraphQLSyntaxError) in
                parser.position += 1
                var items: [GraphQLDocument.Value] = []
                while !parser.skip("]") { items.append(try parser.value(constant: constant)) }
                return .list(items)
            }
        case .punctuator("{"):
            return try nested { (parser: inout Parser) throws(GraphQLSyntaxError) in
                parser.position += 1
                var fields: [(name: String, value: GraphQLDocument.Value)] = []
                while !parser.skip("}") {
                    let field = try parser.name()
                    try parser.expect(":")
                    fields.append((field, try parser.value(constant: constant)))
                }
                return .object(fields)
            }
        default:
            throw error("expected a value")
        }
    }
}
