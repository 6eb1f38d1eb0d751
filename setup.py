"""Build of subtok's optional compiled core, ``subtok._core`` (the metadata is in pyproject.toml).

The extension is optional: without a working C compiler the install still succeeds and subtok
runs on its pure-Python reference (``subtok.fast.available()`` is then False, and subtok says so
once when a fast path would have been used).
"""

from setuptools import Extension, setup

CORE = "src/subtok/_core/"

setup(
    ext_modules=[
        Extension(
            "subtok._core",
            sources=[CORE + "module.c", CORE + "bpe.c", CORE + "merge.c", CORE + "wordpiece.c", CORE + "charbpe.c",
                     CORE + "unigram.c", CORE + "trie.c"],
            depends=[CORE + "batch.h", CORE + "bert_tables.h", CORE + "bpe.h", CORE + "charbpe.h", CORE + "lookup.h",
                     CORE + "scan.h", CORE + "trie.h", CORE + "unicode_classes.h", CORE + "unigram.h", CORE + "wordpiece.h"],
            extra_compile_args=["-O3", "-std=c99", "-fvisibility=hidden"],
            libraries=["m"],
            optional=True,
        )
    ],
)
