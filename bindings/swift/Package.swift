// swift-tools-version:5.9
// The Swift package of varco. Its contents are generated: run
// bindings/swift/build-xcframework.sh on macOS first (it creates
// VarcoFFI.xcframework and Sources/Varco/Varco.swift here).
import PackageDescription

let package = Package(
    name: "Varco",
    platforms: [.iOS(.v13), .macOS(.v11)],
    products: [
        .library(name: "Varco", targets: ["Varco"]),
    ],
    targets: [
        .binaryTarget(name: "VarcoFFI", path: "VarcoFFI.xcframework"),
        .target(name: "Varco", dependencies: ["VarcoFFI"], path: "Sources/Varco"),
    ]
)
