"""The io stage: decoding, sources, readers, inputs, writers, atomic outputs, labeled data.

The bottom of the flow beside :mod:`arclass.text`: imports nothing else from
arclass. Import the modules themselves (``arclass.io.readers``...); this
package imports none of them, so that writing a model file does not load the
readers.
"""
