"""The WCO Time Release Study: clearance time segments per consignment, and their analytics."""
