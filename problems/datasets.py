"""Datasets with train / validation / test splits, read by hand (torchvision does not run here).

- `cifar10`: the standard python archive (cifar-10-python.tar.gz, or its extracted folder)
  from the data directory; downloaded with its md5 checked when absent and allowed.
- `mnist`: LeCun's standard IDX files from the data directory (`<data_dir>/mnist`); same
  download rule (no system package has them, so offline machines use a stand-in preset).
- `fashion_mnist`: the standard IDX files, from the data directory or Debian's
  `dataset-fashion-mnist` package (/usr/share/datasets/fashion-mnist); same download rule.
- `digits`: scikit-learn's bundled 8x8 digits (works offline; the embedded default).
- `synthetic`: class-dependent random patterns, for tests only; marked synthetic in every record.

Validation data is held out from the training split with a fixed seed; no dataset ever stands in
for another. Images are scaled to [0, 1], resized to `image_size` and normalised with the
training split's per-channel mean and standard deviation.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import tarfile
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from hamp_bench.errors import ConfigError, DataError
from hamp_bench.problems.configs import DatasetConfig
from hamp_bench.problems.download import fetch

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]

MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"  # torchvision's first mirror
MNIST_FILES = {  # upstream gzip md5s (the same as torchvision's)
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_FILES = {  # upstream gzip md5s (the same as torchvision's)
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}


@dataclass
class Split:
    x: torch.Tensor  # (N, C, H, W) float32, normalised
    y: torch.Tensor  # (N,) int64

    def __len__(self) -> int:
        return len(self.y)


@dataclass
class DataSplits:
    name: str
    train: Split
    val: Split
    test: Split
    num_classes: int
    channels: int
    image_size: int
    synthetic: bool
    source: str

    @cached_property
    def content_sha256(self) -> str:
        """sha256 of the prepared splits (images and labels, in order): two copies of a dataset
        that read the same (Debian's Fashion-MNIST and a user's folder, say) but differ in one
        pixel or in their split get different hashes. About 1 s per GB."""
        h = hashlib.sha256()
        for split in (self.train, self.val, self.test):
            for t in (split.x, split.y):
                h.update(f"{t.dtype}{tuple(t.shape)}".encode())
                h.update(t.contiguous().view(-1).view(torch.uint8).numpy())
        return h.hexdigest()

    @property
    def chance_error(self) -> float:
        """Top-1 error of always guessing the most frequent validation class."""
        counts = torch.bincount(self.val.y, minlength=self.num_classes)
        return 1.0 - float(counts.max()) / len(self.val)

    def describe(self) -> dict:
        return {
            "name": self.name,
            "synthetic": self.synthetic,
            "source": self.source,
            "train": len(self.train),
            "val": len(self.val),
            "test": len(self.test),
            "image_size": self.image_size,
            "channels": self.channels,
            "num_classes": self.num_classes,
            "content_sha256": self.content_sha256,
        }


def data_identity(cfg: DatasetConfig | dict) -> dict:
    """The settings of a dataset config (defaults filled in) that decide its content, not
    where it lives."""
    full = asdict(cfg if isinstance(cfg, DatasetConfig) else DatasetConfig(**cfg))
    return {k: v for k, v in full.items() if k not in ("data_dir", "download")}


#: (channels, classes) of each dataset, for tools that need a network's input but no data
SHAPES = {
    "cifar10": (3, 10),
    "mnist": (1, 10),
    "fashion_mnist": (1, 10),
    "digits": (1, 10),
    "synthetic": (1, 10),
}


def dataset_shape(cfg: DatasetConfig | dict) -> tuple[int, int, int]:
    """(channels, image size, classes) of a dataset config, without reading any data."""
    cfg = cfg if isinstance(cfg, DatasetConfig) else DatasetConfig(**cfg)
    if cfg.name not in SHAPES:
        raise ConfigError(f"dataset.name={cfg.name!r} is unknown; choose one of {sorted(SHAPES)}")
    channels, classes = SHAPES[cfg.name]
    return channels, cfg.image_size, classes


def load_dataset(cfg: DatasetConfig | dict) -> DataSplits:
    cfg = cfg if isinstance(cfg, DatasetConfig) else DatasetConfig(**cfg)
    if not 0 < cfg.val_fraction < 1:
        raise ConfigError(f"dataset.val_fraction must be in (0, 1), got {cfg.val_fraction}")
    if cfg.image_size < 4:
        raise ConfigError(f"dataset.image_size must be at least 4, got {cfg.image_size}")
    readers = {
        "cifar10": _read_cifar10,
        "mnist": _read_mnist,
        "fashion_mnist": _read_fashion_mnist,
        "digits": _read_digits,
        "synthetic": _read_synthetic,
    }
    if cfg.name not in readers:
        raise ConfigError(f"dataset.name={cfg.name!r} is unknown; choose one of {sorted(readers)}")
    (x_train, y_train), (x_test, y_test), source = readers[cfg.name](cfg)
    rng = np.random.default_rng(cfg.split_seed)
    order = rng.permutation(len(y_train))
    n_val = max(1, round(cfg.val_fraction * len(order)))
    val_idx, train_idx = order[:n_val], order[n_val:]
    if cfg.train_subset is not None:
        train_idx = train_idx[: cfg.train_subset]
    prepare = _Preparer(x_train[train_idx], cfg.image_size)
    num_classes = int(max(y_train.max(), y_test.max())) + 1
    return DataSplits(
        name=cfg.name,
        train=prepare(x_train[train_idx], y_train[train_idx]),
        val=prepare(x_train[val_idx], y_train[val_idx]),
        test=prepare(x_test, y_test),
        num_classes=num_classes,
        channels=x_train.shape[1],
        image_size=cfg.image_size,
        synthetic=cfg.name == "synthetic",
        source=source,
    )


class _Preparer:
    """uint8/float images (N, C, H, W) in [0, 1] -> resized, normalised float tensors."""

    def __init__(self, x_train: np.ndarray, size: int):
        self.size = size
        x = self._resize(torch.as_tensor(x_train, dtype=torch.float32))
        self.mean = x.mean(dim=(0, 2, 3), keepdim=True)
        self.std = x.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)

    def _resize(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] == self.size:
            return x
        return F.interpolate(
            x,
            size=(self.size, self.size),
            mode="bilinear",
            align_corners=False,
            antialias=x.shape[-1] > self.size,
        )

    def __call__(self, x: np.ndarray, y: np.ndarray) -> Split:
        x = self._resize(torch.as_tensor(x, dtype=torch.float32))
        return Split(
            ((x - self.mean) / self.std).contiguous(), torch.as_tensor(y, dtype=torch.long)
        )


def _data_dir(cfg: DatasetConfig) -> Path:
    return Path(cfg.data_dir).expanduser()


# -- CIFAR-10 ----------------------------------------------------------------------------------
def _read_cifar10(cfg: DatasetConfig):
    root = _data_dir(cfg)
    folder, archive = root / CIFAR10_FOLDER, root / CIFAR10_ARCHIVE
    if folder.is_dir():
        read = lambda name: (folder / name).read_bytes()  # noqa: E731
        source = str(folder)
    else:
        if not archive.exists():
            if not cfg.download:
                raise DataError(_missing_cifar(root, "dataset.download=false"))
            fetch(
                CIFAR10_URL,
                archive,
                CIFAR10_MD5,
                what="CIFAR-10",
                hint=_missing_cifar(root, "the download failed"),
            )
        try:
            tar = tarfile.open(archive, "r:gz")
        except (tarfile.TarError, OSError, EOFError) as e:
            raise DataError(
                f"{archive} is not a readable tar.gz archive ({e}); delete it and "
                "run again to download it, or replace it with the original"
            ) from e
        members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
        read = lambda name: tar.extractfile(members[name]).read()  # noqa: E731
        source = str(archive)
    try:
        train = [_cifar_batch(read(name)) for name in CIFAR10_TRAIN]
        test = _cifar_batch(read("test_batch"))
    except (
        KeyError,
        FileNotFoundError,
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        OSError,
    ) as e:
        raise DataError(
            f"CIFAR-10 at {source} is incomplete or corrupt ({e!r}); delete it and "
            f"put the original {CIFAR10_ARCHIVE} (md5 {CIFAR10_MD5}) there"
        ) from e
    x_train = np.concatenate([b[0] for b in train])
    y_train = np.concatenate([b[1] for b in train])
    return (x_train, y_train), test, source


def _cifar_batch(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    batch = pickle.loads(raw, encoding="bytes")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise ValueError(f"unexpected batch shapes {data.shape}, {labels.shape}")
    return data.reshape(-1, 3, 32, 32).astype(np.float32) / 255.0, labels


def _missing_cifar(root: Path, why: str) -> str:
    return (
        f"CIFAR-10 is not in {root} and {why}: put {CIFAR10_ARCHIVE} (from {CIFAR10_URL}, "
        f"md5 {CIFAR10_MD5}) or its extracted {CIFAR10_FOLDER}/ folder there, or point "
        "dataset.data_dir (or HAMP_BENCH_DATA_DIR) at the folder that holds it"
    )


# -- MNIST and Fashion-MNIST: the same IDX files ------------------------------------------------
@dataclass(frozen=True)
class _IdxSet:
    title: str
    folder: str  # under data_dir
    files: dict  # file name -> upstream gzip md5
    url: str
    elsewhere: tuple = ()  # other folders that may hold the files (a system package)
    install: str = ""  # how to get them without a network
    stand_in: str = ""  # what runs offline instead, said after the way to get the files


def _read_mnist(cfg: DatasetConfig):
    spec = _IdxSet(
        "MNIST",
        "mnist",
        MNIST_FILES,
        MNIST_URL,
        stand_in="; offline, Fashion-MNIST (same format) stands in: dataset=fashion_mnist, or "
        "problem=emomc_lenet5_fmnist for EMOMC's LeNet-5",
    )
    return _read_idx_set(cfg, spec)


def _read_fashion_mnist(cfg: DatasetConfig):
    spec = _IdxSet(
        "Fashion-MNIST",
        "fashion-mnist",
        FASHION_FILES,
        FASHION_URL,
        (DEBIAN_FASHION_MNIST,),
        "`apt-get install dataset-fashion-mnist` (Debian), or ",
    )
    return _read_idx_set(cfg, spec)


def _read_idx_set(cfg: DatasetConfig, spec: _IdxSet):
    own = _data_dir(cfg) / spec.folder
    candidates = [own, *spec.elsewhere]
    folder = next((d for d in candidates if all((d / f).exists() for f in spec.files)), None)
    if folder is None:
        why = "dataset.download=false" if not cfg.download else "the download failed"
        hint = (
            f"{spec.title} is not in {' nor '.join(map(str, candidates))} and {why}: "
            f"{spec.install}put the four IDX .gz files ({', '.join(spec.files)}) from "
            f"{spec.url} into {own}{spec.stand_in}"
        )
        if not cfg.download:
            raise DataError(hint)
        for name, md5 in spec.files.items():
            if not (own / name).exists():
                fetch(spec.url + name, own / name, md5, what=spec.title, hint=hint)
        folder = own
    x_train = _read_idx(folder / "train-images-idx3-ubyte.gz", 3)
    y_train = _read_idx(folder / "train-labels-idx1-ubyte.gz", 1)
    x_test = _read_idx(folder / "t10k-images-idx3-ubyte.gz", 3)
    y_test = _read_idx(folder / "t10k-labels-idx1-ubyte.gz", 1)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise DataError(
            f"{spec.title} in {folder}: image and label counts differ; "
            "replace the files with the originals"
        )
    to_float = lambda x: x[:, None].astype(np.float32) / 255.0  # noqa: E731
    return (
        (to_float(x_train), y_train.astype(np.int64)),
        (to_float(x_test), y_test.astype(np.int64)),
        str(folder),
    )


def _read_idx(path: Path, ndim: int) -> np.ndarray:
    """An IDX file of unsigned bytes (magic 0x0000080N), gzip-compressed."""
    try:
        raw = gzip.decompress(path.read_bytes())
        magic = int.from_bytes(raw[:4], "big")
        if magic != 0x800 + ndim:
            raise ValueError(f"magic number {magic:#x}, expected {0x800 + ndim:#x}")
        dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
        data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
        if data.size != int(np.prod(dims)):
            raise ValueError(f"{data.size} values for dimensions {dims}")
        return data.reshape(dims)
    except (OSError, EOFError, ValueError, gzip.BadGzipFile) as e:
        raise DataError(
            f"{path} is not a valid gzip IDX file ({e}); delete it and run again "
            "to download it, or replace it with the original"
        ) from e


# -- digits and synthetic ----------------------------------------------------------------------
def _read_digits(cfg: DatasetConfig):
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images[:, None] / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    # a fixed, stratified 80/20 split into training and test (the validation split comes from
    # the training part with dataset.split_seed)
    rng = np.random.default_rng(12345)
    test = np.concatenate(
        [rng.permutation(np.flatnonzero(y == c))[: round(0.2 * (y == c).sum())] for c in range(10)]
    )
    train = np.setdiff1d(np.arange(len(y)), test)
    return (x[train], y[train]), (x[test], y[test]), "sklearn.datasets.load_digits"


def _read_synthetic(cfg: DatasetConfig):
    """Each class is a fixed random 8x8 pattern plus noise: learnable, tiny, and fake."""
    rng = np.random.default_rng(cfg.split_seed + 1)
    patterns = rng.uniform(size=(10, 1, 8, 8)).astype(np.float32)

    def sample(n):
        y = rng.integers(0, 10, size=n)
        x = np.clip(patterns[y] + rng.normal(0, 0.25, size=(n, 1, 8, 8)), 0, 1)
        return x.astype(np.float32), y.astype(np.int64)

    return sample(600), sample(200), "synthetic (for tests only)"
