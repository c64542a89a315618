// swift-tools-version:5.9
// The Swift package of varco. Its contents are generated: run
// bindings/swift/build-xcframework.sh on macOS first (it creates
// VarcoFFI.xcframework and Sources/Varco/varco_uniffi.swift here).
import PackageDescription

let package = Package(
    name: "Varco",
    platforms: [.iOS(.v13), .macOS(.v11)],
    products: [
        .library(name: "Varco", targets: ["Varco"]),
    ],
    targets: [
        .binaryTarget(name: "varco_uniffiFFI", path: "VarcoFFI.xcframework"),
        .target(name: "Varco", dependencies: ["varco_uniffiFFI"], path: "Sources/Varco"),
    ]
)
