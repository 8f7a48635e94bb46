"""The report stage: a Hugging Face-style data card and an HTML page with the pipeline's plots, both
rebuilt from the committed metrics and plot files so a pull request shows the card it would publish."""
