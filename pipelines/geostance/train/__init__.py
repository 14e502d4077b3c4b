"""Training: spaCy NER (`ner`) and scikit-learn stance (`stance`) from a built dataset."""
