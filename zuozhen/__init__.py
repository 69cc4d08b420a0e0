"""zuozhen: 厅局长坐诊接诉 case management for the coordinator clerk."""

__version__ = "0.1.0"

# The case file schema this program writes (see migrations.py); kept here so that the
# fast read path can check it without importing SQLAlchemy.
SCHEMA_VERSION = 8
