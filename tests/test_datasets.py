"""Dataset readers on files in the real formats, the download rule, and split hygiene."""

import gzip
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from hamp_bench.errors import DataError
from hamp_bench.problems import datasets as ds
from hamp_bench.problems.datasets import load_dataset
from hamp_bench.problems.download import md5sum


def _cifar_batch(rng, n):
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).tolist()
    return (
        pickle.dumps(
            {b"batch_label": b"x", b"labels": labels, b"data": data, b"filenames": [b"f"] * n}
        ),
        data,
        labels,
    )


def write_cifar_archive(folder, n=20, extracted=False):
    """A CIFAR-10 python archive in the real layout, with n images per batch."""
    rng = np.random.default_rng(0)
    batches = {name: _cifar_batch(rng, n) for name in [*ds.CIFAR10_TRAIN, "test_batch"]}
    folder.mkdir(parents=True, exist_ok=True)
    if extracted:
        (folder / ds.CIFAR10_FOLDER).mkdir()
        for name, (raw, _, _) in batches.items():
            (folder / ds.CIFAR10_FOLDER / name).write_bytes(raw)
    else:
        with tarfile.open(folder / ds.CIFAR10_ARCHIVE, "w:gz") as tar:
            for name, (raw, _, _) in batches.items():
                info = tarfile.TarInfo(f"{ds.CIFAR10_FOLDER}/{name}")
                info.size = len(raw)
                tar.addfile(info, io.BytesIO(raw))
    return batches


@pytest.mark.parametrize("extracted", [False, True])
def test_cifar10_reader_on_the_real_format(tmp_path, extracted):
    batches = write_cifar_archive(tmp_path, extracted=extracted)
    d = load_dataset(
        {"name": "cifar10", "data_dir": str(tmp_path), "download": False, "val_fraction": 0.2}
    )
    assert (len(d.train), len(d.val), len(d.test)) == (80, 20, 20)
    assert d.channels == 3 and d.image_size == 32 and not d.synthetic
    _, test_data, test_labels = batches["test_batch"]
    assert d.test.y.tolist() == test_labels
    # the first test image, un-normalised, is the stored bytes in CHW order
    raw = test_data[0].reshape(3, 32, 32) / 255.0
    prep = d.test.x[0].numpy()
    corr = np.corrcoef(raw[0].ravel(), prep[0].ravel())[0, 1]
    assert corr > 0.999
    assert abs(float(d.train.x.mean())) < 1e-5  # normalised with the training statistics


def test_cifar10_absent_and_offline_says_where_to_put_it(tmp_path):
    with pytest.raises(DataError) as e:
        load_dataset({"name": "cifar10", "data_dir": str(tmp_path), "download": False})
    msg = str(e.value)
    assert str(tmp_path) in msg and ds.CIFAR10_MD5 in msg and "HAMP_BENCH_DATA_DIR" in msg


def test_cifar10_download_checks_the_checksum(tmp_path, monkeypatch):
    source = tmp_path / "mirror"
    write_cifar_archive(source)
    url = (source / ds.CIFAR10_ARCHIVE).as_uri()
    monkeypatch.setattr(ds, "CIFAR10_URL", url)
    monkeypatch.setattr(ds, "CIFAR10_MD5", "0" * 32)
    target = tmp_path / "data"
    with pytest.raises(DataError, match="md5"):
        load_dataset({"name": "cifar10", "data_dir": str(target)})
    assert not any(target.iterdir()), "a failed download must leave nothing behind"
    monkeypatch.setattr(ds, "CIFAR10_MD5", md5sum(source / ds.CIFAR10_ARCHIVE))
    d = load_dataset({"name": "cifar10", "data_dir": str(target)})
    assert len(d.test) == 20 and (target / ds.CIFAR10_ARCHIVE).exists()


def test_cifar10_unreachable_download_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setattr(ds, "CIFAR10_URL", (tmp_path / "nowhere.tar.gz").as_uri())
    with pytest.raises(DataError, match="could not download.*put cifar-10-python.tar.gz"):
        load_dataset({"name": "cifar10", "data_dir": str(tmp_path / "data")})


def test_corrupt_cifar_archive_names_the_file(tmp_path):
    (tmp_path / ds.CIFAR10_ARCHIVE).write_bytes(b"not a tarball")
    with pytest.raises(DataError, match=str(tmp_path / ds.CIFAR10_ARCHIVE)):
        load_dataset({"name": "cifar10", "data_dir": str(tmp_path), "download": False})


def _idx(array, ndim):
    header = (0x800 + ndim).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_idx_reader(tmp_path, monkeypatch):
    monkeypatch.setattr(ds, "DEBIAN_FASHION_MNIST", tmp_path / "absent")
    own = tmp_path / "fashion-mnist"
    own.mkdir()
    rng = np.random.default_rng(0)
    files = {
        "train-images-idx3-ubyte.gz": _idx(rng.integers(0, 256, (30, 28, 28)), 3),
        "train-labels-idx1-ubyte.gz": _idx(np.arange(30) % 10, 1),
        "t10k-images-idx3-ubyte.gz": _idx(rng.integers(0, 256, (10, 28, 28)), 3),
        "t10k-labels-idx1-ubyte.gz": _idx(np.arange(10), 1),
    }
    for name, blob in files.items():
        (own / name).write_bytes(blob)
    d = load_dataset(
        {"name": "fashion_mnist", "data_dir": str(tmp_path), "download": False, "image_size": 28}
    )
    assert d.test.y.tolist() == list(range(10)) and d.channels == 1 and len(d.train) == 27
    (own / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x03garbage"))
    with pytest.raises(DataError, match="t10k-labels"):
        load_dataset({"name": "fashion_mnist", "data_dir": str(tmp_path), "download": False})


def test_fashion_mnist_for_real():
    """Debian's dataset-fashion-mnist package (installed by .ci/run)."""
    if not ds.DEBIAN_FASHION_MNIST.is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must install dataset-fashion-mnist (apt-get)")
        pytest.skip("dataset-fashion-mnist is not installed here")
    d = load_dataset({"name": "fashion_mnist", "download": False, "data_dir": "/nonexistent"})
    assert (len(d.train), len(d.val), len(d.test)) == (54000, 6000, 10000)
    assert d.source == str(ds.DEBIAN_FASHION_MNIST)
    assert sorted(np.bincount(d.test.y.numpy()).tolist()) == [1000] * 10


def test_digits_splits_are_disjoint_and_seeded():
    a = load_dataset({"name": "digits", "val_fraction": 0.2})
    b = load_dataset({"name": "digits", "val_fraction": 0.2})
    c = load_dataset({"name": "digits", "val_fraction": 0.2, "split_seed": 1})
    assert len(a.train) + len(a.val) + len(a.test) == 1797
    assert np.bincount(a.test.y.numpy()).min() >= 35  # stratified test split
    assert (a.val.x == b.val.x).all() and not (
        a.val.x.shape == c.val.x.shape and (a.val.x == c.val.x).all()
    )
    flat = lambda s: {tuple(r) for r in s.x.flatten(1)[:, ::37].numpy().round(4).tolist()}  # noqa: E731
    assert not flat(a.val) & flat(a.test)


def test_synthetic_is_labelled_and_unknown_names_fail():
    assert load_dataset({"name": "synthetic"}).synthetic
    from hamp_bench.errors import ConfigError

    with pytest.raises(ConfigError, match="digits"):
        load_dataset({"name": "imagenet"})


def _write_idx_set(folder, n_train=30, n_test=10, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    files = {
        "train-images-idx3-ubyte.gz": _idx(rng.integers(0, 256, (n_train, 28, 28)), 3),
        "train-labels-idx1-ubyte.gz": _idx(np.arange(n_train) % 10, 1),
        "t10k-images-idx3-ubyte.gz": _idx(rng.integers(0, 256, (n_test, 28, 28)), 3),
        "t10k-labels-idx1-ubyte.gz": _idx(np.arange(n_test) % 10, 1),
    }
    for name, blob in files.items():
        (folder / name).write_bytes(blob)
    return files


def test_mnist_reads_its_own_folder_and_refuses_offline_with_the_way_out(tmp_path):
    cfg = {"name": "mnist", "data_dir": str(tmp_path), "download": False}
    with pytest.raises(DataError) as err:
        load_dataset(cfg)
    msg = str(err.value)
    assert str(tmp_path / "mnist") in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert ds.MNIST_URL in msg and "dataset.download=false" in msg
    _write_idx_set(tmp_path / "mnist")
    d = load_dataset(cfg)
    assert d.name == "mnist" and d.channels == 1 and d.test.x.shape == (10, 1, 32, 32)
    assert d.test.y.tolist() == list(range(10)) and len(d.train) + len(d.val) == 30


def test_mnist_download_checks_each_files_md5(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    files = _write_idx_set(mirror)
    monkeypatch.setattr(ds, "MNIST_URL", mirror.as_uri() + "/")
    right = {n: md5sum(mirror / n) for n in files}
    monkeypatch.setattr(ds, "MNIST_FILES", {**right, "t10k-labels-idx1-ubyte.gz": "0" * 32})
    target = tmp_path / "data"
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz arrived with md5"):
        load_dataset({"name": "mnist", "data_dir": str(target)})
    assert "t10k-labels-idx1-ubyte.gz" not in {p.name for p in (target / "mnist").iterdir()}
    monkeypatch.setattr(ds, "MNIST_FILES", right)
    d = load_dataset({"name": "mnist", "data_dir": str(target)})
    assert len(d.test) == 10 and sorted(p.name for p in (target / "mnist").iterdir()) == sorted(
        files
    )
