from odoo import api, fields, models


class CrmJewelleryCertificate(models.Model):
    """A certified piece sold at the point of sale: its certificate goes to
    the customer, as for a piece delivered on a sale order."""

    _inherit = "crm.jewellery.certificate"

    pos_order_line_id = fields.Many2one(
        "pos.order.line",
        string="Sold at POS On",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    pos_order_id = fields.Many2one(
        related="pos_order_line_id.order_id", string="POS Order", store=True
    )

    @api.model
    def _link_pos_sales(self, pos_orders):
        """Certificates of the pieces sold by the paid ``pos_orders`` (to a
        customer) get the POS line and the customer: by the lot or serial
        number sold, else an unsold certificate of the product (one a unit).
        The till's user may not manage certificates: the link is the
        system's, for sales that are paid."""
        lines = pos_orders.filtered(
            lambda o: o.partner_id and o.state in ("paid", "done", "invoiced")
        ).lines.filtered(lambda l: l.qty > 0)
        if not lines:
            return
        Cert = self.sudo()
        free = [("sale_line_id", "=", False), ("pos_order_line_id", "=", False)]
        linked = Cert.search([("pos_order_line_id", "in", lines.ids)])
        lines -= linked.pos_order_line_id
        # by lot: (product, lot name) of each line
        lot_names = {
            (line.product_id.id, lot.lot_name): line
            for line in lines
            for lot in line.pack_lot_ids
            if lot.lot_name
        }
        by_lot = (
            Cert.search(
                [
                    *free,
                    ("lot_id.name", "in", list({name for _p, name in lot_names})),
                    ("product_id", "in", list({p for p, _n in lot_names})),
                ]
            )
            if lot_names
            else Cert
        )
        done_lines = set()
        for cert in by_lot:
            line = lot_names.get((cert.product_id.id, cert.lot_id.name))
            if line:
                cert._link_pos_line(line)
                done_lines.add(line.id)
        # by product: unsold certificates without a lot, oldest first
        rest = lines.filtered(lambda l: l.id not in done_lines and not l.pack_lot_ids)
        if not rest:
            return
        pool = Cert.search(
            [
                *free,
                ("lot_id", "=", False),
                ("partner_id", "=", False),
                ("product_id", "in", rest.product_id.ids),
            ],
            order="id",
        )
        for line in rest:
            for _unit in range(int(line.qty)):
                cert = pool.filtered(lambda c, p=line.product_id: c.product_id == p)[:1]
                if not cert:
                    break
                cert._link_pos_line(line)
                pool -= cert

    def _link_pos_line(self, line):
        self.write(
            {
                "pos_order_line_id": line.id,
                "partner_id": line.order_id.partner_id.commercial_partner_id.id,
            }
        )
