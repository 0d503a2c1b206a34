"""nianbao: parse China's government information-disclosure annual reports into SQLite."""

__version__ = "0.1.0"
