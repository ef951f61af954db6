"""Clearance information query (通关信息查询): the whole chain of a consignment, by any key."""
