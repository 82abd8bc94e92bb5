"""Build the brew test data under tests/data/brew/ from transcribed homebrew-core formula facts.

brew cannot run here, so nothing in this directory was printed by a running
brew except ``wget-real.stdout`` (a published capture, copied verbatim). The
other files are what ``brew info --json=v2`` prints for these formulae, built
field by field in the order and shape of ``Formula#to_hash`` (Homebrew/brew
Library/Homebrew/formula.rb at 07c559f0504238e6f31b40d3d8e30c288cadd2e3:
``to_hash``, ``urls_hash``, ``bottle_hash``, ``dependencies_hash``) from the
formula files listed in ``SOURCES``,
for the two machines ``HOSTS`` describes. Usage: ``python build_recordings.py``
(rewrites ``<host>.universe.json`` and ``<host>.formulae.stdout``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: formula -> (repository, path, commit) it was transcribed from (read 2026-11-25).
SOURCES: dict[str, tuple[str, str, str]] = {
    "numpy": (
        "ziti-ci/homebrew-core",
        "Formula/n/numpy.rb",
        "04f75499a579b4e478b88c3623681b446e8f6dc7",
    ),
    "scipy": (
        "ziti-ci/homebrew-core",
        "Formula/s/scipy.rb",
        "2474b1aab9905043b3cb50b85eb83d6d5b7a1929",
    ),
    "cffi": (
        "ziti-ci/homebrew-core",
        "Formula/c/cffi.rb",
        "655d7c84281d810d90a114e5a9014baad25001e0",
    ),
    "pycparser": (
        "ziti-ci/homebrew-core",
        "Formula/p/pycparser.rb",
        "2cf73193ba499d2efb05cb891fef8994a5c4c8bc",
    ),
    "cryptography": (
        "Homebrew/homebrew-core",
        "Formula/c/cryptography.rb",
        "679f446e9cbd65aff1d7903a558e47be842bfc19",
    ),
    "python-matplotlib": (
        "ziti-ci/homebrew-core",
        "Formula/p/python-matplotlib.rb",
        "860f49579501c1fdd7da5a73b3a8746c7af98b96",
    ),
    "openblas": (
        "Homebrew/homebrew-core",
        "Formula/o/openblas.rb",
        "10a37793ecd512cad863e0bef30a5493be23f9f4",
    ),
    "gcc": (
        "ziti-ci/homebrew-core",
        "Formula/g/gcc.rb",
        "0798e350baefc55f9ce570dea7b56fb351adc97f",
    ),
    "gmp": (
        "ziti-ci/homebrew-core",
        "Formula/g/gmp.rb",
        "0997945f8416b523380cc9da5f844bd25b4ae34c",
    ),
    "isl": (
        "ziti-ci/homebrew-core",
        "Formula/i/isl.rb",
        "33516cea57fecf19ffbfa54f35cfcb9a64f84840",
    ),
    "libmpc": (
        "ziti-ci/homebrew-core",
        "Formula/lib/libmpc.rb",
        "4c34f052f80fe3fb486b6df8b6c8319bf798794b",
    ),
    "mpfr": (
        "ziti-ci/homebrew-core",
        "Formula/m/mpfr.rb",
        "bb8004cbc2372d7630ab17b73b4c625107db6ac7",
    ),
    "zstd": (
        "ziti-ci/homebrew-core",
        "Formula/z/zstd.rb",
        "14130f17df7678e5dd3a87b526e0adb9a629783f",
    ),
    "lz4": (
        "ziti-ci/homebrew-core",
        "Formula/l/lz4.rb",
        "2ee514d2ab7f3be9dc3b4eb88ba2434e827fbb1e",
    ),
    "xz": ("ziti-ci/homebrew-core", "Formula/x/xz.rb", "763d8d76a46af1433b31e98c2e4d831945d48740"),
    "xsimd": (
        "zys-contrib/homebrew-core",
        "Formula/x/xsimd.rb",
        "0e59feafa546e44becef19fcb7da84d5fd0afce6",
    ),
    "python@3.13": (
        "ziti-ci/homebrew-core",
        "Formula/p/python@3.13.rb",
        "0d1df039f870c7bc75e2769f1544d63fbcc74dbe",
    ),
    "mpdecimal": (
        "ziti-ci/homebrew-core",
        "Formula/m/mpdecimal.rb",
        "716a557ff6a56c2e62824ccfdd4f4d356fb2a66d",
    ),
    "openssl@3": (
        "ziti-ci/homebrew-core",
        "Formula/o/openssl@3.rb",
        "0eda1847927ec50bef13c908895fb8da9f73b898",
    ),
    "ca-certificates": (
        "ziti-ci/homebrew-core",
        "Formula/c/ca-certificates.rb",
        "2544a94f147f75ba2a6c06f0f28428ca1714363e",
    ),
    "sqlite": (
        "ziti-ci/homebrew-core",
        "Formula/s/sqlite.rb",
        "70ba09c925fe9e96ccf0854efdd70f1845356d47",
    ),
    "readline": (
        "ziti-ci/homebrew-core",
        "Formula/r/readline.rb",
        "a570d40466a9c16fc34fecb834802122e1e81f2f",
    ),
    "libffi": (
        "ziti-ci/homebrew-core",
        "Formula/lib/libffi.rb",
        "01b2cac5336754e8937549bead2821750bb09fab",
    ),
}

PY = "https://files.pythonhosted.org/packages"

#: What each formula file declares. deps: runtime; build/test: as tagged; ufm: uses_from_macos
#: (name or {name: tags}, since); keg: keg_only (reason, explanation, applies on Linux too?);
#: bottle: (rebuild, arm64_sequoia cellar, sha, x86_64_linux cellar, sha) from the bottle block.
FACTS: dict[str, dict[str, Any]] = {
    "numpy": {
        "desc": "Package for scientific computing with Python",
        "homepage": "https://www.numpy.org/",
        "license": "BSD-3-Clause",
        "stable": "2.3.3",
        "revision": 1,
        "url": f"{PY}/d0/19/95b3d357407220ed24c139018d2518fab0a61a948e68286a25f1a4d049ff/numpy-2.3.3.tar.gz",
        "sha256": "ddc7c39727ba62b80dfdbedf400d1c10ddfa8eefbd7ec8dcb118be8b56d31029",
        "head": ("https://github.com/numpy/numpy.git", "main"),
        "build": ["gcc", "meson", "ninja", "python@3.12", "python@3.13", "python@3.14"],
        "build_linux": ["patchelf"],
        "test": ["python@3.12", "python@3.13", "python@3.14"],
        "deps": ["openblas"],
        "caveats": "To run `f2py`, you may need to `brew install python@3.14`\n",
        "bottle": (
            0,
            ":any",
            "4c5c3288b6340ee47adf7d0c261fc2a3cf48fd8aaadac19dcb220477d44fb3b3",
            ":any_skip_relocation",
            "644a7ef1fce081d82b765c3714e69178b5ca101fdc1924c367ff4a87a46e022f",
        ),
    },
    "scipy": {
        "desc": "Software for mathematics, science, and engineering",
        "homepage": "https://www.scipy.org",
        "license": "BSD-3-Clause",
        "stable": "1.16.2",
        "revision": 1,
        "url": f"{PY}/4c/3b/546a6f0bfe791bbb7f8d591613454d15097e53f906308ec6f7c1ce588e8e/scipy-1.16.2.tar.gz",
        "sha256": "af029b153d243a80afb6eabe40b0a07f8e35c9adc269c019f364ad747f826a6b",
        "head": ("https://github.com/scipy/scipy.git", "main"),
        "build": ["meson", "ninja", "pkgconf", "python@3.13", "python@3.14"],
        "build_linux": ["patchelf"],
        "test": ["python@3.13", "python@3.14"],
        "deps": ["gcc", "numpy", "openblas", "xsimd"],
        "post_install": True,
        "bottle": (
            0,
            ":any",
            "ab949c80e39fdb61080bfe88dccefe6c1c0641a02429015bf3fe808677ea5c41",
            ":any_skip_relocation",
            "244ac327909150d1be1ebc90cf73dc2f11ad82f9deb695805b6952bd8739bcb2",
        ),
    },
    "cffi": {
        "desc": "C Foreign Function Interface for Python",
        "homepage": "https://cffi.readthedocs.io/en/latest/",
        "license": "MIT",
        "stable": "2.0.0",
        "url": f"{PY}/eb/56/b1ba7935a17738ae8453301356628e8147c79dbb825bcbc73dc7401f9846/cffi-2.0.0.tar.gz",
        "sha256": "44d1b5909021139fe36001ae048dbdde8214afa20200eda0f64c068cac5d5529",
        "build": ["python@3.12", "python@3.13"],
        "test": ["python@3.12", "python@3.13"],
        "deps": ["pycparser"],
        "ufm": [("libffi", None)],
        "bottle": (
            0,
            ":any_skip_relocation",
            "908333c6c31b4da4876ccb707cdf2b1ec52aee3d83fc3c4a1b8b52f148883512",
            ":any_skip_relocation",
            "a49b146e624fa887497252f89c76d8e7cfcdc4d9a4ec444a5b8db856324198cf",
        ),
    },
    "pycparser": {
        "desc": "C parser in Python",
        "homepage": "https://github.com/eliben/pycparser",
        "license": "BSD-3-Clause",
        "stable": "2.23",
        "revision": 1,
        "url": f"{PY}/fe/cf/d2d3b9f5699fb1e4615c8e32ff220203e43b248e1dfcc6736ad9057731ca/pycparser-2.23.tar.gz",
        "sha256": "78816d4f24add8f10a06d6f05b4d424ad9e96cfebf68a4ddc99c65c0720d00c2",
        "build": ["python@3.12", "python@3.13", "python@3.14"],
        "test": ["python@3.12", "python@3.13", "python@3.14"],
        "bottle_all": ":any_skip_relocation",
        "bottle": (
            0,
            None,
            "20df01e401f66b31119275739885166b381c62cddac34c2af51b44c0e0c14d78",
            None,
            None,
        ),
    },
    "cryptography": {
        "desc": "Cryptographic recipes and primitives for Python",
        "homepage": "https://cryptography.io/en/latest/",
        "license": "Apache-2.0 or BSD-3-Clause",
        "stable": "46.0.0",
        "url": f"{PY}/80/ee/04cd4314db26ffc951c1ea90bde30dd226880ab9343759d7abbecef377ee/cryptography-46.0.0.tar.gz",
        "sha256": "99f64a6d15f19f3afd78720ad2978f6d8d4c68cd4eb600fab82ab1a7c2071dca",
        "head": ("https://github.com/pyca/cryptography.git", "main"),
        "build": ["maturin", "pkgconf", "python-setuptools", "python@3.12", "python@3.13", "rust"],
        "test": ["python@3.12", "python@3.13"],
        "deps": ["cffi", "openssl@3"],
        "bottle": (
            0,
            ":any",
            "7b775263cb1cefd9cff15d7cbaea3bb70c98024c4b9ccb28262491a9d9a6f44e",
            ":any_skip_relocation",
            "834018cb08ceebf4917e51f27e7c9ebf2635ddb7c0eda14f5ec62f8a6acf081c",
        ),
    },
    "python-matplotlib": {
        "desc": "Python library for creating static, animated, and interactive visualizations",
        "homepage": "https://matplotlib.org/",
        "license": "PSF-2.0",
        "stable": "3.10.6",
        "url": f"{PY}/a0/59/c3e6453a9676ffba145309a73c462bb407f4400de7de3f2b41af70720a3c/matplotlib-3.10.6.tar.gz",
        "sha256": "ec01b645840dd1996df21ee37f208cd8ba57644779fa20464010638013d3203c",
        "build": ["meson", "ninja", "pkgconf"],
        "build_linux": ["patchelf"],
        "deps": ["freetype", "numpy", "pillow", "python@3.13", "qhull"],
        "bottle": (
            0,
            ":any",
            "d45ad35642279948263ced9a11ce86974f5720e7c078950366a4fc94e83eaa51",
            ":any_skip_relocation",
            "ebbb198ee9b836b471d2cb116f31f632ee9a42b2163b0161b9c4fb2ef20c3278",
        ),
    },
    "openblas": {
        "desc": "Optimized BLAS library",
        "homepage": "https://www.openblas.net/",
        "license": "BSD-3-Clause and BSD-2-Clause-Views and BSD-3-Clause-Open-MPI and BSD-2-Clause",
        "stable": "0.3.30",
        "url": "https://github.com/OpenMathLib/OpenBLAS/archive/refs/tags/v0.3.30.tar.gz",
        "sha256": "27342cff518646afb4c2b976d809102e368957974c250a25ccc965e53063c95d",
        "head": ("https://github.com/OpenMathLib/OpenBLAS.git", "develop"),
        "deps": ["gcc"],
        "keg": (":shadowed_by_macos", "macOS provides BLAS in Accelerate.framework"),
        "bottle": (
            0,
            ":any",
            "19429463a737ea1ca72573210238f7d5000731431a442679d9c00b215722fdbd",
            ":any_skip_relocation",
            "47a79133b44870b5f5e23c546efb25da93edd4671ba2bd56a1aa43907054df81",
        ),
    },
    "gcc": {
        "desc": "GNU compiler collection",
        "homepage": "https://gcc.gnu.org/",
        "license": "GPL-3.0-or-later with GCC-exception-3.1",
        "stable": "15.1.0",
        "url": "https://ftpmirror.gnu.org/gnu/gcc/gcc-15.1.0/gcc-15.1.0.tar.xz",
        "sha256": "e2b09ec21660f01fecffb715e0120265216943f038d0e48a9868713e54f06cea",
        "head": ("https://gcc.gnu.org/git/gcc.git", "master"),
        "build_macos": ["make"],
        "deps": ["gmp", "isl", "libmpc", "mpfr", "zstd"],
        "deps_linux": ["binutils"],
        "ufm": [({"flex": "build"}, None), ({"m4": "build"}, None), ("zlib", None)],
        "pour_bottle_only_if": "clt_installed",
        "post_install": True,
        "bottle": (
            1,
            None,
            "de5fdc43cfc675b0e757e68ebf800b5c0b4e25b8892376e9f42a94b8689b3b3a",
            None,
            "f7f29cce94c6ec4b5225250483990e40e7986d14525c959b68949a715df51aaa",
        ),
    },
    "gmp": {
        "desc": "GNU multiple precision arithmetic library",
        "homepage": "https://gmplib.org/",
        "license": "LGPL-3.0-or-later or GPL-2.0-or-later",
        "stable": "6.3.0",
        "url": "https://ftpmirror.gnu.org/gnu/gmp/gmp-6.3.0.tar.xz",
        "sha256": "a3c2b80201b89e68616f4ad30bc66aee4927c3ce50e33929ca819d5c43538898",
        "head": ("https://gmplib.org/repo/gmp/", None),
        "build": ["autoconf", "automake", "libtool"],
        "ufm": [({"m4": "build"}, None)],
        "bottle": (
            0,
            ":any",
            "6683d73d6677d28e1e8d1b92d6ebfbc068c1d33e19b79114a22a648a99ba5991",
            ":any_skip_relocation",
            "3dca3544faca889c7389a5fdbd2b5b00582c34a4e14607033573ad3b06ca7882",
        ),
    },
    "isl": {
        "head_build": ["autoconf", "automake", "libtool"],
        "desc": "Integer Set Library for the polyhedral model",
        "homepage": "https://libisl.sourceforge.io/",
        "license": "MIT",
        "stable": "0.27",
        "url": "https://libisl.sourceforge.io/isl-0.27.tar.xz",
        "sha256": "6d8babb59e7b672e8cb7870e874f3f7b813b6e00e6af3f8b04f7579965643d5c",
        "head": ("https://repo.or.cz/isl.git", None),
        "deps": ["gmp"],
        "bottle": (
            0,
            ":any",
            "de143fddb0e20b6b73016ead1e625ebd429db53918200d093e4da98f1e758889",
            ":any_skip_relocation",
            "25c8bf618d4e3c68c27eed634bd7695104ff5daa37246253aabce80d7c1ac7f5",
        ),
    },
    "libmpc": {
        "head_build": ["autoconf", "automake", "libtool"],
        "desc": "C library for the arithmetic of high precision complex numbers",
        "homepage": "https://www.multiprecision.org/",
        "license": "LGPL-3.0-or-later",
        "stable": "1.3.1",
        "url": "https://ftpmirror.gnu.org/gnu/mpc/mpc-1.3.1.tar.gz",
        "sha256": "ab642492f5cf882b74aa0cb730cd410a81edcdbec895183ce930e706c1c759b8",
        "head": ("https://gitlab.inria.fr/mpc/mpc.git", "master"),
        "deps": ["gmp", "mpfr"],
        "bottle": (
            0,
            ":any",
            "5c8cdc4d460525025f69157ea5187c4119da8bffab33e7923dc374c011c9cdac",
            ":any_skip_relocation",
            "f6542ae5bcf643ca0c980c7000cde1585922e76be080b3cc3422dac0d4a50904",
        ),
    },
    "mpfr": {
        "desc": "C library for multiple-precision floating-point computations",
        "homepage": "https://www.mpfr.org/",
        "license": "LGPL-3.0-or-later",
        "stable": "4.2.2",
        "url": "https://ftpmirror.gnu.org/gnu/mpfr/mpfr-4.2.2.tar.xz",
        "sha256": "b67ba0383ef7e8a8563734e2e889ef5ec3c3b898a01d00fa0a6869ad81c6ce01",
        "head": ("https://gitlab.inria.fr/mpfr/mpfr.git", "master"),
        "build": ["autoconf", "automake", "libtool", "texinfo"],
        "deps": ["gmp"],
        "bottle": (
            0,
            ":any",
            "ed822b7e77645d7c17abb3ee9cc2b2a82a4d0f003acc7615b5df6226031479b2",
            ":any_skip_relocation",
            "91dfeb407daeeabb3c3caceb89af41dc02b1aa473b88e76c7533efbc2ad6066d",
        ),
    },
    "zstd": {
        "desc": "Zstandard is a real-time compression algorithm",
        "homepage": "https://facebook.github.io/zstd/",
        "license": "(BSD-3-Clause or GPL-2.0-only) and BSD-2-Clause and MIT",
        "stable": "1.5.7",
        "url": "https://github.com/facebook/zstd/archive/refs/tags/v1.5.7.tar.gz",
        "sha256": "37d7284556b20954e56e1ca85b80226768902e2edabd3b649e9e72c0c9012ee3",
        "head": ("https://github.com/facebook/zstd.git", "dev"),
        "build": ["cmake"],
        "deps": ["lz4", "xz"],
        "ufm": [("zlib", None)],
        "bottle": (
            1,
            ":any",
            "55a4e0a4a92f5cf4885295214914de4aefad2389884085185e9ce87b4edae946",
            ":any_skip_relocation",
            "ecd3f9ef36c6f9b324a36c33727962c37be5d12fdbe330e9b863112f24c49e11",
        ),
    },
    "lz4": {
        "desc": "Extremely Fast Compression algorithm",
        "homepage": "https://lz4.github.io/lz4/",
        "license": "BSD-2-Clause",
        "stable": "1.10.0",
        "url": "https://github.com/lz4/lz4/archive/refs/tags/v1.10.0.tar.gz",
        "sha256": "537512904744b35e232912055ccf8ec66d768639ff3abe5788d90d792ec5f48b",
        "head": ("https://github.com/lz4/lz4.git", "dev"),
        "bottle": (
            1,
            ":any",
            "5bd143b7b784989e549637ea4e484af85ba481e640dde69bc35f3843ae25abc6",
            ":any_skip_relocation",
            "a8082c2e40dc6d63850f43ea8fa095e55adf18fb0f25ec66bcaee2c4b4438205",
        ),
    },
    "xz": {
        "desc": "General-purpose data compression with high compression ratio",
        "homepage": "https://tukaani.org/xz/",
        "license": "0BSD and GPL-2.0-or-later",
        "stable": "5.8.1",
        "version_scheme": 1,
        "url": "https://github.com/tukaani-project/xz/releases/download/v5.8.1/xz-5.8.1.tar.gz",
        "sha256": "507825b599356c10dca1cd720c9d0d0c9d5400b9de300af00e4d1ea150795543",
        "bottle": (
            0,
            ":any",
            "dcd7823f2624cbcd08f55c232097a79300c7d76ab5969004db1a4785c6c0cd87",
            ":any_skip_relocation",
            "9ee1ff38fcc213fdefd262be65a06669f3e0118a2bd5fb387147ebe884f94413",
        ),
    },
    "xsimd": {
        "desc": "Modern, portable C++ wrappers for SIMD intrinsics",
        "homepage": "https://xsimd.readthedocs.io/en/latest/",
        "license": "BSD-3-Clause",
        "stable": "13.1.0",
        "url": "https://github.com/xtensor-stack/xsimd/archive/refs/tags/13.1.0.tar.gz",
        "sha256": "88c9dc6da677feadb40fe09f467659ba0a98e9987f7491d51919ee13d897efa4",
        "build": ["cmake"],
        "bottle_all": ":any_skip_relocation",
        "bottle": (
            0,
            None,
            "666ef7e22bd2235b3d5b614df919714723deaac35850a5fc7a1b5cb8f4b8ade0",
            None,
            None,
        ),
    },
    "python@3.13": {
        "desc": "Interpreted, interactive, object-oriented programming language",
        "homepage": "https://www.python.org/",
        "license": "Python-2.0",
        "stable": "3.13.7",
        "revision": 1,
        "url": "https://www.python.org/ftp/python/3.13.7/Python-3.13.7.tgz",
        "sha256": "6c9d80839cfa20024f34d9a6dd31ae2a9cd97ff5e980e969209746037a5153b2",
        "build": ["pkgconf"],
        "deps": ["mpdecimal", "openssl@3", "sqlite", "xz"],
        "deps_linux": ["berkeley-db@5"],
        "ufm": [
            ("bzip2", None),
            ("expat", "sequoia"),
            ("libedit", None),
            ("libffi", None),
            ("ncurses", None),
            ("unzip", None),
            ("zlib", None),
        ],
        "link_overwrite": [
            "lib/python3.13/site-packages/pip*",
            "lib/python3.13/site-packages/wheel*",
        ],
        "post_install": True,
        "bottle": (
            1,
            None,
            "55fdda88837a68b7e852a0b2d561e66895b1e3a2fcc1feba351774ecfa3d11db",
            None,
            "e5b409711679f3018efec5d8b6c5ba09013133eccfb867ef4590565bbed6e1fe",
        ),
    },
    "mpdecimal": {
        "desc": "Library for decimal floating point arithmetic",
        "homepage": "https://www.bytereef.org/mpdecimal/",
        "license": "BSD-2-Clause",
        "stable": "4.0.1",
        "url": "https://www.bytereef.org/software/mpdecimal/releases/mpdecimal-4.0.1.tar.gz",
        "sha256": "96d33abb4bb0070c7be0fed4246cd38416188325f820468214471938545b1ac8",
        "bottle": (
            0,
            ":any",
            "e21da583e42e86d5a2f0aedfaf7820e51b8af3065da599cff179d1a39903f3ab",
            ":any_skip_relocation",
            "f540928b0baae439b6b7bbbb54aa0b0d8fda3631a2fb46c1d1ccd6bf9c2b5389",
        ),
    },
    "openssl@3": {
        "desc": "Cryptography and SSL/TLS Toolkit",
        "homepage": "https://openssl-library.org",
        "license": "Apache-2.0",
        "stable": "3.6.0",
        "url": "https://github.com/openssl/openssl/releases/download/openssl-3.6.0/openssl-3.6.0.tar.gz",
        "sha256": "b6a5f44b7eb69e3fa35dbf15524405b44837a481d43d81daddde3ff21fcbb8e9",
        "deps": ["ca-certificates"],
        "link_overwrite": [
            "bin/c_rehash",
            "bin/openssl",
            "include/openssl/*",
            "lib/libcrypto*",
            "lib/libssl*",
            "lib/pkgconfig/libcrypto.pc",
            "lib/pkgconfig/libssl.pc",
            "lib/pkgconfig/openssl.pc",
            "share/doc/openssl/*",
            "share/man/man*/*ssl",
        ],
        "post_install": True,
        "bottle": (
            0,
            None,
            "c213434a094b030c69a82254d6f146cce3e0df4f08ff6c25d371f8ad8f48744a",
            None,
            "843c906b4713a0c0131eff4acb0fc445ab76b42cc5013e4dcca9ef6687b14d11",
        ),
    },
    "ca-certificates": {
        "desc": "Mozilla CA certificate store",
        "homepage": "https://curl.se/docs/caextract.html",
        "license": "MPL-2.0",
        "stable": "2025-08-12",
        "url": "https://curl.se/ca/cacert-2025-08-12.pem",
        "sha256": "64dfd5b1026700e0a0a324964749da9adc69ae5e51e899bf16ff47d6fd0e9a5e",
        "post_install": True,
        "bottle_all": ":any_skip_relocation",
        "bottle": (
            0,
            None,
            "f6cb23271f14f7c4e995b177ea9da7957384854cb702ed571f32defcd3909443",
            None,
            None,
        ),
    },
    "sqlite": {
        "desc": "Command-line interface for SQLite",
        "homepage": "https://sqlite.org/index.html",
        "license": "blessing",
        "stable": "3.50.4",
        "url": "https://www.sqlite.org/2025/sqlite-autoconf-3500400.tar.gz",
        "sha256": "a3db587a1b92ee5ddac2f66b3edb41b26f9c867275782d46c3a088977d6a5b18",
        "deps": ["readline"],
        "ufm": [("zlib", None)],
        "keg": (":provided_by_macos", ""),
        "bottle": (
            0,
            ":any",
            "d5ac21b30a733b24e58531bfdbe510ccbe14b72972e3b71ecad78a5243f6cfb1",
            ":any_skip_relocation",
            "e7cea8cedb8cadd9041d11effd55437bc79529a0813d06259106314b1b90798f",
        ),
    },
    "readline": {
        "desc": "Library for command-line editing",
        "homepage": "https://tiswww.case.edu/php/chet/readline/rltop.html",
        "license": "GPL-3.0-or-later",
        "stable": "8.3.1",
        "url": "https://ftpmirror.gnu.org/gnu/readline/readline-8.3.tar.gz",
        "sha256": "fe5383204467828cd495ee8d1d3c037a7eba1389c22bc6a041f627976f9061cc",
        "ufm": [("ncurses", None)],
        "keg": (":shadowed_by_macos", "macOS provides BSD libedit"),
        "bottle": (
            0,
            ":any",
            "3afa0c228ce704810d09d40ce7d1265777df8b9034a7bfc18f0f4c19094710a8",
            ":any_skip_relocation",
            "148c40946804e22da82f0864b458d1eb01f23b9cf30c7b9f10501853b92ad33a",
        ),
    },
    "libffi": {
        "head_build": ["autoconf", "automake", "libtool"],
        "desc": "Portable Foreign Function Interface library",
        "homepage": "https://sourceware.org/libffi/",
        "license": "MIT",
        "stable": "3.5.2",
        "url": "https://github.com/libffi/libffi/releases/download/v3.5.2/libffi-3.5.2.tar.gz",
        "sha256": "f3a3082a23b37c293a4fcd1053147b371f2ff91fa7ea1b2a52e335676bac82dc",
        "head": ("https://github.com/libffi/libffi.git", "master"),
        "keg": (":provided_by_macos", ""),
        "bottle": (
            0,
            ":any",
            "e53361765ab81aa4bbead3bf1821678d4fb34b68355fe42f43032c7b99cf7224",
            ":any_skip_relocation",
            "55b77eb2bb125870f6e1ec41e4717f0bc7c7fe294e41b59aaef006be6bdf60bd",
        ),
    },
}

#: The two machines: macOS 15 on Apple silicon with Homebrew's default prefix, and Linux x86_64.
HOSTS: dict[str, dict[str, Any]] = {
    "macos-arm64": {
        "tag": "arm64_sequoia",
        "cellar": "/opt/homebrew/Cellar",
        "linux": False,
        "formulae": [n for n in FACTS if n != "libffi"],
        # name -> (installed keg version, installed_on_request, install time)
        "installed": {
            "python@3.13": ("3.13.7_1", True, 1759312000),
            "mpdecimal": ("4.0.1", False, 1759311990),
            "openssl@3": ("3.6.0", False, 1759311980),
            "ca-certificates": ("2025-08-12", False, 1759311970),
            "sqlite": ("3.50.4", False, 1759311960),
            "readline": ("8.3.1", False, 1759311950),
            # an older keg than the formula's 5.8.1: brew would upgrade it
            "xz": ("5.8.0", False, 1747000000),
            "cffi": ("2.0.0", True, 1759400000),
            "pycparser": ("2.23_1", False, 1759399990),
        },
    },
    "linux-x86_64": {
        "tag": "x86_64_linux",
        "cellar": "/home/linuxbrew/.linuxbrew/Cellar",
        "linux": True,
        "formulae": ["cffi", "pycparser", "libffi"],
        "installed": {},
    },
}


def _ghcr_name(name: str) -> str:
    return name.replace("@", "/").replace("+", "x")


def _bottle(name: str, facts: dict[str, Any]) -> dict[str, Any]:
    rebuild, mac_cellar, mac_sha, linux_cellar, linux_sha = facts["bottle"]
    files: dict[str, Any] = {}
    if "bottle_all" in facts:
        files["all"] = {
            "cellar": facts["bottle_all"],
            "url": f"https://ghcr.io/v2/homebrew/core/{_ghcr_name(name)}/blobs/sha256:{mac_sha}",
            "sha256": mac_sha,
        }
    else:
        for tag, cellar, sha in (
            ("arm64_sequoia", mac_cellar, mac_sha),
            ("x86_64_linux", linux_cellar, linux_sha),
        ):
            files[tag] = {
                # a bottle block line without `cellar:` pours only into the default Cellar
                "cellar": cellar or _default_cellar(tag),
                "url": f"https://ghcr.io/v2/homebrew/core/{_ghcr_name(name)}/blobs/sha256:{sha}",
                "sha256": sha,
            }
    return {
        "stable": {
            "rebuild": rebuild,
            "root_url": "https://ghcr.io/v2/homebrew/core",
            "files": files,
        }
    }


def _default_cellar(tag: str) -> str:
    return "/home/linuxbrew/.linuxbrew/Cellar" if tag.endswith("_linux") else "/opt/homebrew/Cellar"


def _pkg_version(facts: dict[str, Any]) -> str:
    rev = facts.get("revision", 0)
    return f"{facts['stable']}_{rev}" if rev else str(facts["stable"])


def _runtime(name: str, host: dict[str, Any]) -> list[str]:
    facts = FACTS[name]
    deps = list(facts.get("deps", []))
    if host["linux"]:
        deps += facts.get("deps_linux", [])
        for entry, _since in facts.get("ufm", []):
            if isinstance(entry, str):
                deps.append(entry)
    return deps


def _recursive(name: str, host: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    todo = list(_runtime(name, host))
    while todo:
        dep = todo.pop(0)
        if dep in seen or dep not in FACTS:
            continue
        seen.append(dep)
        todo.extend(_runtime(dep, host))
    return seen


def formula_json(name: str, host: dict[str, Any]) -> dict[str, Any]:
    """One formula as ``Formula#to_hash`` shapes it for ``host``."""
    facts = FACTS[name]
    linux = host["linux"]
    _repo, path, commit = SOURCES[name]
    build = list(facts.get("build", [])) + list(
        facts.get("build_linux" if linux else "build_macos", [])
    )
    deps = list(facts.get("deps", [])) + (list(facts.get("deps_linux", [])) if linux else [])
    ufm = facts.get("ufm", [])
    installed = host["installed"].get(name)
    keg = facts.get("keg")
    # keg_only :provided_by_macos / :shadowed_by_macos apply on macOS only
    keg_only = bool(keg) and not linux
    head = facts.get("head")
    installed_list = []
    if installed is not None:
        version, on_request, time = installed
        installed_list.append(
            {
                "version": version,
                "used_options": [],
                "built_as_bottle": True,
                "poured_from_bottle": True,
                "time": time,
                "runtime_dependencies": [
                    {
                        "full_name": dep,
                        "version": FACTS[dep]["stable"],
                        "revision": FACTS[dep].get("revision", 0),
                        "pkg_version": _pkg_version(FACTS[dep]),
                        "declared_directly": dep in _runtime(name, host),
                    }
                    for dep in _recursive(name, host)
                ],
                "installed_as_dependency": not on_request,
                "installed_on_request": on_request,
            }
        )
    pkg_version = _pkg_version(facts)
    outdated = installed is not None and installed[0] != pkg_version
    formula: dict[str, Any] = {
        "name": name,
        "full_name": name,
        "tap": "homebrew/core",
        "oldnames": [],
        "aliases": [],
        "versioned_formulae": [],
        "desc": facts["desc"],
        "license": facts["license"],
        "homepage": facts["homepage"],
        "versions": {"stable": facts["stable"], "head": "HEAD" if head else None, "bottle": True},
        "urls": {
            "stable": {
                "url": facts["url"],
                "tag": None,
                "revision": None,
                "using": None,
                "checksum": facts["sha256"],
            },
            **(
                {
                    "head": {
                        "url": head[0],
                        "branch": head[1],
                        "using": "hg" if "gmplib" in head[0] else None,
                    }
                }
                if head
                else {}
            ),
        },
        "revision": facts.get("revision", 0),
        "version_scheme": facts.get("version_scheme", 0),
        "bottle": _bottle(name, facts),
        "pour_bottle_only_if": facts.get("pour_bottle_only_if"),
        "keg_only": keg_only,
        "keg_only_reason": {"reason": keg[0], "explanation": keg[1]} if keg_only and keg else None,
        "options": [],
        "build_dependencies": build,
        "dependencies": deps,
        "test_dependencies": list(facts.get("test", [])),
        "recommended_dependencies": [],
        "optional_dependencies": [],
        "uses_from_macos": [entry for entry, _since in ufm],
        "uses_from_macos_bounds": [({"since": since} if since else {}) for _entry, since in ufm],
        "requirements": [],
        "conflicts_with": [],
        "conflicts_with_reasons": [],
        "link_overwrite": list(facts.get("link_overwrite", [])),
        "caveats": facts.get("caveats"),
        "installed": installed_list,
        "linked_keg": installed[0] if installed is not None and not keg_only else None,
        "pinned": False,
        "outdated": outdated,
        "deprecated": False,
        "deprecation_date": None,
        "deprecation_reason": None,
        "disabled": False,
        "disable_date": None,
        "disable_reason": None,
        "post_install_defined": bool(facts.get("post_install")),
        "service": None,
        "tap_git_head": commit,
        "ruby_source_path": path,
        "ruby_source_checksum": {},
    }
    if "head_build" in facts:
        # dependencies_hash adds head_dependencies (after every to_hash key) when they differ
        formula["head_dependencies"] = {
            "build_dependencies": list(facts["head_build"]),
            "dependencies": deps,
            "test_dependencies": list(facts.get("test", [])),
            "recommended_dependencies": [],
            "optional_dependencies": [],
            "uses_from_macos": [entry for entry, _since in ufm],
            "uses_from_macos_bounds": [
                ({"since": since} if since else {}) for _entry, since in ufm
            ],
        }
    return formula


def main() -> None:
    for host_name, host in HOSTS.items():
        universe = {name: formula_json(name, host) for name in host["formulae"]}
        (HERE / f"{host_name}.universe.json").write_text(
            json.dumps(universe, indent=2) + "\n", encoding="utf-8"
        )
        (HERE / f"{host_name}.formulae.stdout").write_text(
            "".join(f"{name}\n" for name in sorted(host["formulae"])), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
