// swift-tools-version: 6.1
// The floor for the whole-process benchmark: a trivial Swift executable, built the default way
// (`swift build -c release`, same toolchain), that prints a small JSON document.
import PackageDescription

let package = Package(
    name: "floor",
    targets: [
        .executableTarget(name: "floor"),
        .executableTarget(name: "floor-foundation"),
    ]
)
