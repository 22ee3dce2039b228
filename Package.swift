// swift-tools-version:6.0
import PackageDescription

// One library target per concern; `tl` is a thin executable over them (see DESIGN.md).
let package = Package(
    name: "tl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tl", targets: ["tl"]),
        .executable(name: "tl-bench", targets: ["tl-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries, found by pkg-config; installed by `make deps` through apt-get.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(name: "CFloatingPoint", path: "Sources/CFloatingPoint"),
        // The only C we write: setjmp-guarded decoding calls.
        .target(name: "CImageShims", dependencies: ["CPNG", "CJPEG"]),

        .target(name: "CNN", dependencies: ["CBLAS", "CDNNL"]),
        .target(name: "Runtime", dependencies: ["CNN", "CMalloc", "CFloatingPoint"]),
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .target(name: "KerasFormat", dependencies: ["CNN", "HDF5"]),
        .target(name: "Zoo", dependencies: ["CNN"]),
        .target(name: "Imaging", dependencies: ["CNN", "CPNG", "CJPEG", "CImageShims"]),
        .target(name: "TransferLearning", dependencies: ["CNN", "KerasFormat", "Zoo", "Imaging", "HDF5"]),
        .executableTarget(name: "tl", dependencies: [
            "CNN", "Runtime", "KerasFormat", "Zoo", "Imaging", "TransferLearning",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "tl-bench", dependencies: ["CNN", "Runtime", "CBLAS", "Zoo", "TransferLearning", "KerasFormat"],
                          path: "benchmarks/tl-bench"),

        .testTarget(name: "CNNTests", dependencies: ["CNN"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5"]),
        .testTarget(name: "KerasFormatTests", dependencies: ["KerasFormat", "Zoo", "CNN", "HDF5"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "TransferLearningTests", dependencies: ["TransferLearning"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime"]),
        .testTarget(name: "CLITests", dependencies: ["CNN", "KerasFormat", "HDF5", "TransferLearning", "Imaging"]),
    ],
    swiftLanguageModes: [.v5]
)
