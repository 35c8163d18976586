import CacheCore
import Logging

/// The daemon's log handler: every line goes through ``Redaction/redact(_:)`` (message and metadata) before the
/// stream handler writes it to stderr, so no token, secret or URL password is ever logged.
struct RedactingLogHandler: LogHandler {
    var inner: StreamLogHandler

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        var message = event.message.description
        if let error = event.error {
            message += " (\(error))"
            event.error = nil
        }
        event.message = "\(Redaction.redact(message))"
        event.metadata = event.metadata?.mapValues { .string(Redaction.redact($0.description)) }
        inner.log(event: event)
    }
}
